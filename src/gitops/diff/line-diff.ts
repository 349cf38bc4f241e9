// A line diff (Myers' O(ND) algorithm, after trimming the common prefix and suffix) and its
// rendering as unified-diff hunks with context lines.

export interface Edit {
  op: ' ' | '-' | '+';
  line: string;
}

/** The shortest edit script turning `a` into `b`. */
export function diffLines(a: string[], b: string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) (endA--, endB--);
  const head: Edit[] = a.slice(0, start).map((line) => ({ op: ' ', line }));
  const tail: Edit[] = a.slice(endA).map((line) => ({ op: ' ', line }));
  return [...head, ...myers(a.slice(start, endA), b.slice(start, endB)), ...tail];
}

/** Beyond this many differences the middle is shown as removed then added (bounded memory). */
const MAX_EDIT_DISTANCE = 2000;

function myers(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const replaceAll = (): Edit[] => [...a.map((line): Edit => ({ op: '-', line })), ...b.map((line): Edit => ({ op: '+', line }))];
  if (n === 0 || m === 0) return replaceAll();
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: the frontier after d-1 differences, for k in [-d, d] (index k + d).
  const trace: Int32Array[] = [];
  let found = -1;
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) (x++, y++);
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break outer;
      }
    }
  }
  if (found < 0) return replaceAll();
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vp = trace[d];
    const at = (k: number): number => vp[k + d];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ op: ' ', line: a[--x] }), y--;
    if (x === prevX) edits.push({ op: '+', line: b[--y] });
    else edits.push({ op: '-', line: a[--x] });
  }
  while (x > 0 && y > 0) edits.push({ op: ' ', line: a[--x] }), y--;
  return edits.reverse();
}

/** Unified-diff hunks ("@@ -a,b +c,d @@" and lines) of an edit script; [] when nothing changed. */
export function hunks(edits: Edit[], context = 3): string[][] {
  const changed = edits.map((e, i) => (e.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return [];
  const out: string[][] = [];
  // Line numbers before each edit.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let nw = 1;
  for (const e of edits) {
    oldAt.push(o);
    newAt.push(nw);
    if (e.op !== '+') o++;
    if (e.op !== '-') nw++;
  }
  let i = 0;
  while (i < changed.length) {
    const from = Math.max(0, changed[i] - context);
    let last = changed[i];
    while (i + 1 < changed.length && changed[i + 1] - last <= 2 * context) last = changed[++i];
    i++;
    const to = Math.min(edits.length, last + context + 1);
    const slice = edits.slice(from, to);
    const oldCount = slice.filter((e) => e.op !== '+').length;
    const newCount = slice.filter((e) => e.op !== '-').length;
    const oldStart = oldCount === 0 ? oldAt[from] - 1 : oldAt[from];
    const newStart = newCount === 0 ? newAt[from] - 1 : newAt[from];
    out.push([`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...slice.map((e) => `${e.op}${e.line}`)]);
  }
  return out;
}
