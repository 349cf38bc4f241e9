// $(VAR) expansion exactly as Kubernetes does it for env values, command and
// args (third_party/forked/golang/expansion): `$(NAME)` becomes the value when
// NAME is defined and stays as written when it is not; `$$` is an escaped `$`;
// any other `$` (and an unclosed `$(`) is kept literally.

export type Mapping = (name: string) => string;

/** A mapping over maps tried in order; an unknown name expands to itself, `$(NAME)`. */
export function mappingFor(...contexts: Array<Record<string, string> | Map<string, string>>): Mapping {
  return (name) => {
    for (const ctx of contexts) {
      const v = ctx instanceof Map ? ctx.get(name) : Object.prototype.hasOwnProperty.call(ctx, name) ? ctx[name] : undefined;
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === '$' && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const [read, isVar, advance] = readVariableName(input.slice(cursor + 1));
      out += isVar ? mapping(read) : read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

function readVariableName(input: string): [string, boolean, number] {
  if (input[0] === '$') return ['$', false, 1];
  if (input[0] === '(') {
    for (let i = 1; i < input.length; i++) if (input[i] === ')') return [input.slice(1, i), true, i + 1];
    return ['$(', false, 1];
  }
  return [`$${input[0]}`, false, 1];
}
