// Which files differ between two commits, by comparing tree oids: identical
// subtrees are skipped without being read, so a small change costs a few tree
// reads however large the repository is.

import { joinPath, normalizePath, type ObjectReader, type TreeItem } from './objects.js';

export type FileChangeKind = 'added' | 'modified' | 'deleted';

export interface FileChange {
  path: string;
  change: FileChangeKind;
}

/**
 * Files under `dir` (a directory, or a single file) that differ from `fromSha` to `toSha`
 * (`fromSha` undefined: everything is added), sorted by path. Paths are repo-relative.
 */
export async function changedFiles(reader: ObjectReader, fromSha: string | undefined, toSha: string, dir = ''): Promise<FileChange[]> {
  const base = normalizePath(dir);
  const at = async (sha: string | undefined) => (sha ? reader.entryAt((await reader.commit(sha)).tree, base) : undefined);
  const [from, to] = await Promise.all([at(fromSha), at(toSha)]);
  const out: FileChange[] = [];
  await compareTrees(reader, from?.type === 'tree' ? from.oid : undefined, to?.type === 'tree' ? to.oid : undefined, base, out);
  const fromFile = isFile(from) ? from : undefined;
  const toFile = isFile(to) ? to : undefined;
  if (fromFile && toFile) {
    if (fromFile.oid !== toFile.oid || fromFile.mode !== toFile.mode) out.push({ path: base, change: 'modified' });
  } else if (fromFile) out.push({ path: base, change: 'deleted' });
  else if (toFile) out.push({ path: base, change: 'added' });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Compare two trees (either may be missing) and push the file-level changes below `dir`. */
export async function compareTrees(
  reader: ObjectReader,
  fromTree: string | undefined,
  toTree: string | undefined,
  dir: string,
  out: FileChange[],
): Promise<void> {
  if (fromTree === toTree) return;
  const [a, b] = await Promise.all([fromTree ? reader.tree(fromTree) : [], toTree ? reader.tree(toTree) : []]);
  const before = new Map(a.map((e) => [e.name, e]));
  const after = new Map(b.map((e) => [e.name, e]));
  const pending: Promise<void>[] = [];
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(name);
    const y = after.get(name);
    const path = joinPath(dir, name);
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
    const xTree = x?.type === 'tree' ? x.oid : undefined;
    const yTree = y?.type === 'tree' ? y.oid : undefined;
    if (xTree || yTree) pending.push(compareTrees(reader, xTree, yTree, path, out));
    const xFile = isFile(x);
    const yFile = isFile(y);
    if (xFile && yFile) out.push({ path, change: 'modified' });
    else if (xFile) out.push({ path, change: 'deleted' });
    else if (yFile) out.push({ path, change: 'added' });
  }
  await Promise.all(pending);
}

function isFile(e: TreeItem | undefined): boolean {
  return e !== undefined && e.type !== 'tree';
}
