// Keeping a checked-out worktree in step after the revert moved its branch:
// refuse when the paths about to change have local edits (as git does), then
// rewrite exactly those paths in the index and the working tree.

import fs from 'node:fs';
import * as git from 'isomorphic-git';

/** Paths (of `paths`) whose worktree or index differs from HEAD, or that exist untracked. */
export async function dirtyPaths(dir: string, gitdir: string, paths: string[], cache: object): Promise<string[]> {
  if (paths.length === 0) return [];
  const wanted = new Set(paths);
  const rows = await git.statusMatrix({ fs, dir, gitdir, filepaths: paths, cache });
  return rows
    .filter(([path, head, workdir, stage]) => wanted.has(path) && !(head === 1 && workdir === 1 && stage === 1))
    .map(([path]) => path)
    .sort();
}

/** Make the index and worktree match `branch`'s (new) head for `paths`; HEAD is left as it is. */
export async function updateWorktree(dir: string, gitdir: string, branch: string, paths: string[], cache: object): Promise<void> {
  if (paths.length === 0) return;
  await git.checkout({ fs, dir, gitdir, ref: branch, filepaths: paths, force: true, noUpdateHead: true, cache });
}

/** Whether a local repository has a worktree (not bare). */
export async function hasWorktree(dir: string, gitdir: string): Promise<boolean> {
  if (dir === gitdir) return false;
  const bare = await git.getConfig({ fs, gitdir, path: 'core.bare' }).catch(() => undefined);
  return bare !== true && bare !== 'true';
}
