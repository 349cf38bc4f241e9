// Maps a Kubernetes field path ("spec.template.spec.containers[0].image",
// "metadata.labels[app.kubernetes.io/name]") back to a line of the YAML it came from,
// by walking the document's AST; a missing field falls back to its nearest parent.

import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** "a.b[0].c[x.y/z]" → ["a", "b", "0", "c", "x.y/z"]. */
export function splitFieldPath(path: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '.') {
      if (current !== '') out.push(current);
      current = '';
    } else if (ch === '[') {
      if (current !== '') out.push(current);
      current = '';
      const close = path.indexOf(']', i + 1);
      const end = close < 0 ? path.length : close;
      out.push(path.slice(i + 1, end));
      i = end;
    } else {
      current += ch;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

function line(lc: LineCounter, node: { range?: [number, number, number] | null } | null | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : lc.linePos(offset).line;
}

/**
 * The line of `path` inside `root` (a document's mapping node): the key's line for a map
 * member, the item's line for a list element, else the deepest existing parent's line.
 */
export function lineOfField(root: Node | null, lc: LineCounter, path: string, fallback: number): number {
  let node: unknown = root;
  let best = line(lc, root as Node | null) ?? fallback;
  for (const segment of splitFieldPath(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) break;
      best = line(lc, pair.key as Node) ?? best;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      best = line(lc, item as Node) ?? best;
      node = item;
    } else {
      break;
    }
  }
  return best;
}
