// Glob patterns for Argo CD's directory include/exclude: `*` and `?` (not crossing "/"),
// `**` (crossing it), `[abc]` classes and `{a,b}` brace sets, which may nest and hold
// globs themselves ("{*.yaml,*.yml}", "{config.json,env-usw2/*}").

const cache = new Map<string, RegExp>();

function escape(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** Converts pattern[i..] up to an unmatched "}" or "," (when inBraces) into a regexp source. */
function convert(pattern: string, start: number, inBraces: boolean): { source: string; end: number } {
  let source = '';
  let i = start;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (inBraces && (ch === ',' || ch === '}')) break;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        // "**/" also matches no directory at all.
        if (pattern[i + 2] === '/') {
          source += '(?:.*/)?';
          i += 3;
        } else {
          source += '.*';
          i += 2;
        }
      } else {
        source += '[^/]*';
        i++;
      }
    } else if (ch === '?') {
      source += '[^/]';
      i++;
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        i++;
      } else {
        let body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        source += `[${body}]`;
        i = close + 1;
      }
    } else if (ch === '{') {
      const alternatives: string[] = [];
      let j = i + 1;
      let closed = false;
      while (j <= pattern.length) {
        const part = convert(pattern, j, true);
        alternatives.push(part.source);
        j = part.end;
        if (pattern[j] === ',') {
          j++;
          continue;
        }
        if (pattern[j] === '}') closed = true;
        break;
      }
      if (!closed) {
        source += '\\{';
        i++;
      } else {
        source += `(?:${alternatives.join('|')})`;
        i = j + 1;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) {
      source += escape(pattern[i + 1]);
      i += 2;
    } else {
      source += escape(ch);
      i++;
    }
  }
  return { source, end: i };
}

export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${convert(pattern, 0, false).source}$`);
    cache.set(pattern, re);
  }
  return re;
}

/** Whether any of `candidates` (a relative path, a file name...) matches `pattern`. */
export function matchesGlob(pattern: string, ...candidates: string[]): boolean {
  const re = globToRegExp(pattern);
  return candidates.some((c) => re.test(c));
}
