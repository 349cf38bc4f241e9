// `git revert` for isomorphic-git, which has none: a three-way merge at tree
// level (base = the commit C, ours = branch head, theirs = C's parent), new
// trees written only for changed directories, then a commit on the branch.
// File-level only: a file changed both by C and since C is a conflict.

import fs from 'node:fs';
import * as git from 'isomorphic-git';
import { RevertConflictError, RevertError } from './errors.js';
import { compareTrees, type FileChange } from './changes.js';
import { EMPTY_TREE, joinPath, type ObjectReader, type TreeItem } from './objects.js';

type Planned = { oid: string } | { entries: PlannedEntry[] };
interface PlannedEntry {
  name: string;
  mode: string;
  type: TreeItem['type'];
  node: Planned;
}

/** A place where the merge takes C's parent's entry over the branch head's. */
interface Swap {
  path: string;
  from: TreeItem | undefined;
  to: TreeItem | undefined;
}

const asTree = (oid: string | undefined): TreeItem | undefined => (oid ? { name: '', mode: '040000', oid, type: 'tree' } : undefined);

/** Merge three trees (undefined = empty); conflicting paths go to `conflicts`, changes to `swaps`. */
async function plan(
  reader: ObjectReader,
  base: string | undefined,
  ours: string | undefined,
  theirs: string | undefined,
  dir: string,
  conflicts: string[],
  swaps: Swap[],
): Promise<Planned> {
  if (base === theirs || ours === theirs) return { oid: ours ?? EMPTY_TREE };
  if (ours === base) {
    swaps.push({ path: dir, from: asTree(ours), to: asTree(theirs) });
    return { oid: theirs ?? EMPTY_TREE };
  }
  const [b, o, t] = await Promise.all([base, ours, theirs].map((x) => (x ? reader.tree(x) : Promise.resolve([]))));
  const maps = [b, o, t].map((items) => new Map(items.map((e) => [e.name, e])));
  const names = [...new Set([...maps[1].keys(), ...maps[0].keys(), ...maps[2].keys()])];
  const entries: PlannedEntry[] = [];
  for (const name of names) {
    const [eb, eo, et] = maps.map((m) => m.get(name));
    const path = joinPath(dir, name);
    const keep = (e: TreeItem | undefined) => {
      if (e) entries.push({ name, mode: e.mode, type: e.type, node: { oid: e.oid } });
    };
    if (same(eb, et) || same(eo, et)) keep(eo);
    else if (same(eo, eb)) {
      swaps.push({ path, from: eo, to: et });
      keep(et);
    } else if ([eb, eo, et].every((e) => !e || e.type === 'tree')) {
      const node = await plan(reader, eb?.oid, eo?.oid, et?.oid, path, conflicts, swaps);
      const empty = 'oid' in node ? node.oid === EMPTY_TREE : node.entries.length === 0;
      if (!empty) entries.push({ name, mode: '040000', type: 'tree', node });
    } else conflicts.push(path);
  }
  return { entries };
}

/** The files the swaps change, expanded through subtrees (only differing subtrees are read). */
async function swappedFiles(reader: ObjectReader, swaps: Swap[]): Promise<string[]> {
  const out: FileChange[] = [];
  for (const { path, from, to } of swaps) {
    await compareTrees(reader, from?.type === 'tree' ? from.oid : undefined, to?.type === 'tree' ? to.oid : undefined, path, out);
    if ((from && from.type !== 'tree') || (to && to.type !== 'tree')) out.push({ path, change: 'modified' });
  }
  return [...new Set(out.map((c) => c.path))].sort();
}

function same(a: TreeItem | undefined, b: TreeItem | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.oid === b.oid && a.mode === b.mode);
}

async function write(gitdir: string, node: Planned): Promise<string> {
  if ('oid' in node && node.oid !== EMPTY_TREE) return node.oid;
  const entries = 'oid' in node ? [] : node.entries;
  const tree = [];
  for (const e of entries) tree.push({ mode: e.mode, path: e.name, type: e.type, oid: await write(gitdir, e.node) });
  return git.writeTree({ fs, gitdir, tree });
}

export interface RevertInput {
  reader: ObjectReader;
  /** The commit to revert (full SHA). */
  sha: string;
  branch: string;
  /** The branch head to revert on top of (full SHA). */
  head: string;
}

export interface CommitOptions {
  gitdir: string;
  author: { name: string; email: string };
  message?: string;
  now?: Date;
}

export interface PreparedRevert {
  /** Files whose content the revert changes, relative to the repository root. */
  changedPaths: string[];
  /** Write the trees and the commit object (the branch ref is not moved); returns the commit SHA. */
  write(opts: CommitOptions): Promise<string>;
}

/**
 * Work out a revert without writing anything. Throws RevertConflictError (same files changed
 * differently since the commit) or RevertError (merge commit, nothing to revert).
 */
export async function prepareRevert(input: RevertInput): Promise<PreparedRevert> {
  const { reader, sha, branch, head } = input;
  const commit = await reader.commit(sha);
  if (commit.parent.length > 1) {
    throw new RevertError(`cannot revert ${sha.slice(0, 12)}: it is a merge commit (${commit.parent.length} parents); revert the merged commits instead`);
  }
  const parentTree = commit.parent.length ? (await reader.commit(commit.parent[0])).tree : undefined;
  const headTree = (await reader.commit(head)).tree;
  const conflicts: string[] = [];
  const swaps: Swap[] = [];
  const planned = await plan(reader, commit.tree, headTree, parentTree, '', conflicts, swaps);
  if (conflicts.length) throw new RevertConflictError(sha, branch, conflicts.sort());
  const changedPaths = await swappedFiles(reader, swaps);
  if (changedPaths.length === 0) {
    throw new RevertError(`nothing to revert: the changes of ${sha.slice(0, 12)} are already undone on branch ${branch}`);
  }
  return {
    changedPaths,
    async write(opts: CommitOptions): Promise<string> {
      const tree = await write(opts.gitdir, planned);
      const when = opts.now ?? new Date();
      const identity = {
        name: opts.author.name,
        email: opts.author.email,
        timestamp: Math.floor(when.getTime() / 1000),
        timezoneOffset: when.getTimezoneOffset(),
      };
      const subject = commit.message.split('\n')[0];
      return git.commit({
        fs,
        gitdir: opts.gitdir,
        message: opts.message ?? `Revert "${subject}"\n\nThis reverts commit ${sha}.\n`,
        author: identity,
        committer: identity,
        tree,
        parent: [head],
        noUpdateBranch: true,
        cache: reader.cache,
      });
    },
  };
}
