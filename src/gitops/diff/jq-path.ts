// The subset of jq that ignoreDifferences' jqPathExpressions may use, evaluated as
// `del(<expression>)` would be:
//
//   expression := stage ( "|" stage )*
//   stage      := path | "select(" path ( "==" | "!=" ) literal ")"
//   path       := "." | step+        step := "." name | "." "quoted" | "[]" | "[" integer "]" | "[" "quoted" "]"
//   literal    := "string" | number | true | false | null
//
// e.g. `.spec.replicas`, `.metadata.annotations["example.com/x"]`, `.spec.template.spec.containers[].image`,
// `.spec.template.spec.containers[] | select(.name == "app") | .env`. Anything else throws.

import { deepEqual } from '../../api/patch/index.js';

type Step = { t: 'key'; key: string } | { t: 'each' } | { t: 'index'; index: number };
type Stage = { t: 'path'; steps: Step[] } | { t: 'select'; steps: Step[]; op: '==' | '!='; value: unknown };
export interface JqPath {
  readonly source: string;
  readonly stages: Stage[];
}

type Token = { t: 'dot' | 'lbr' | 'rbr' | 'pipe' | 'lpar' | 'rpar' | 'op'; v?: string } | { t: 'name' | 'str' | 'num'; v: string };

function unsupported(source: string, why: string): Error {
  return new Error(`unsupported jq path expression ${JSON.stringify(source)}: ${why} (supported: paths like .a.b[].c, ["key"], [0], pipes and select(.field == literal))`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (c === '.') (out.push({ t: 'dot' }), i++);
    else if (c === '[') (out.push({ t: 'lbr' }), i++);
    else if (c === ']') (out.push({ t: 'rbr' }), i++);
    else if (c === '|') (out.push({ t: 'pipe' }), i++);
    else if (c === '(') (out.push({ t: 'lpar' }), i++);
    else if (c === ')') (out.push({ t: 'rpar' }), i++);
    else if ((c === '=' || c === '!') && src[i + 1] === '=') (out.push({ t: 'op', v: `${c}=` }), (i += 2));
    else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw unsupported(src, 'unterminated string');
      out.push({ t: 'str', v: JSON.parse(src.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw unsupported(src, `unexpected "${c}"`);
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ t: 'name', v: m[0] });
      i += m[0].length;
    } else throw unsupported(src, `unexpected "${c}"`);
  }
  return out;
}

/** Parses an expression of the supported subset; throws on anything else. */
export function compileJqPath(source: string): JqPath {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const expect = (t: Token['t']): Token => {
    const tok = tokens[pos];
    if (tok?.t !== t) throw unsupported(source, `expected ${t} at token ${pos + 1}`);
    pos++;
    return tok;
  };
  const path = (): Step[] => {
    const steps: Step[] = [];
    expect('dot');
    let afterDot = true;
    for (;;) {
      const tok = peek();
      if (afterDot && (tok?.t === 'name' || tok?.t === 'str')) {
        steps.push({ t: 'key', key: tok.v });
        pos++;
      } else if (tok?.t === 'lbr') {
        pos++;
        const inner = peek();
        if (inner?.t === 'rbr') steps.push({ t: 'each' });
        else if (inner?.t === 'num' && /^-?\d+$/.test(inner.v)) (steps.push({ t: 'index', index: Number(inner.v) }), pos++);
        else if (inner?.t === 'str') (steps.push({ t: 'key', key: inner.v }), pos++);
        else throw unsupported(source, 'only [], [integer] and ["key"] may follow a path');
        expect('rbr');
      } else if (tok?.t === 'dot') {
        pos++;
        afterDot = true;
        continue;
      } else return steps;
      afterDot = false;
    }
  };
  const literal = (): unknown => {
    const tok = tokens[pos++];
    if (tok?.t === 'str') return tok.v;
    if (tok?.t === 'num') return Number(tok.v);
    if (tok?.t === 'name' && (tok.v === 'true' || tok.v === 'false' || tok.v === 'null')) return JSON.parse(tok.v);
    throw unsupported(source, 'select compares with a string, number, true, false or null');
  };
  const stages: Stage[] = [];
  do {
    const tok = peek();
    if (tok?.t === 'name' && tok.v === 'select') {
      pos++;
      expect('lpar');
      const steps = path();
      const op = expect('op').v as '==' | '!=';
      const value = literal();
      expect('rpar');
      stages.push({ t: 'select', steps, op, value });
    } else if (tok?.t === 'dot') {
      stages.push({ t: 'path', steps: path() });
    } else throw unsupported(source, tok ? `unexpected ${tok.t}${tok.v ? ` "${tok.v}"` : ''}` : 'empty expression');
  } while (peek()?.t === 'pipe' && ++pos);
  if (pos < tokens.length) throw unsupported(source, `unexpected ${tokens[pos].t}${tokens[pos].v ? ` "${tokens[pos].v}"` : ''}`);
  if (stages[0].t !== 'path') throw unsupported(source, 'must start with a path');
  if (!stages.some((s) => s.t === 'select' || s.steps.length > 0)) throw unsupported(source, 'names the whole object');
  return { source, stages };
}

interface Ref {
  parent: unknown;
  key: string | number | undefined;
  value: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(refs: Ref[], steps: Step[]): Ref[] {
  let cur = refs;
  for (const step of steps) {
    const next: Ref[] = [];
    for (const r of cur) {
      const v = r.value;
      if (step.t === 'key') {
        if (isObject(v) && Object.prototype.hasOwnProperty.call(v, step.key)) next.push({ parent: v, key: step.key, value: v[step.key] });
      } else if (step.t === 'index') {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push({ parent: v, key: i, value: v[i] });
        }
      } else if (Array.isArray(v)) v.forEach((e, i) => next.push({ parent: v, key: i, value: e }));
      else if (isObject(v)) for (const k of Object.keys(v)) next.push({ parent: v, key: k, value: v[k] });
    }
    cur = next;
  }
  return cur;
}

/** Values a condition path yields; a missing key yields null, as in jq. */
function values(value: unknown, steps: Step[]): unknown[] {
  let cur: unknown[] = [value];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (step.t === 'key') next.push(isObject(v) && Object.prototype.hasOwnProperty.call(v, step.key) ? v[step.key] : null);
      else if (step.t === 'index') next.push(Array.isArray(v) ? (v[step.index < 0 ? v.length + step.index : step.index] ?? null) : null);
      else if (Array.isArray(v)) next.push(...v);
      else if (isObject(v)) next.push(...Object.values(v));
    }
    cur = next;
  }
  return cur;
}

/** Deletes, in place, everything the expression selects in `root`. */
export function deleteJqPath(root: unknown, path: JqPath): void {
  let refs: Ref[] = [{ parent: undefined, key: undefined, value: root }];
  for (const stage of path.stages) {
    if (stage.t === 'path') refs = walk(refs, stage.steps);
    else refs = refs.filter((r) => values(r.value, stage.steps).some((v) => deepEqual(v, stage.value) === (stage.op === '==')));
  }
  const indices = new Map<unknown[], Set<number>>();
  for (const r of refs) {
    if (Array.isArray(r.parent) && typeof r.key === 'number') {
      let set = indices.get(r.parent);
      if (!set) indices.set(r.parent, (set = new Set()));
      set.add(r.key);
    } else if (isObject(r.parent) && typeof r.key === 'string') delete r.parent[r.key];
  }
  for (const [list, set] of indices) for (const i of [...set].sort((a, b) => b - a)) list.splice(i, 1);
}
