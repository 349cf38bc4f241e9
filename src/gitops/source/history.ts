// Commit history for audit: which commits changed something under a path, and
// which files, newest first. Follows git log's default history simplification
// (a merge that left the path as one parent had it follows only that parent).

import type * as git from 'isomorphic-git';
import type { CommitInfo } from '../types.js';
import { changedFiles } from './changes.js';
import { normalizePath, type ObjectReader } from './objects.js';

export interface LogOptions {
  /** Where to start (branch, tag, SHA); default the default branch head. */
  ref?: string;
  /** Only commits that changed something under this repo-relative path ("" = anything). */
  path?: string;
  /** Only commits whose committer time is at or after this (seconds since the epoch). */
  since?: number;
  /** At most this many commits. */
  depth?: number;
}

export type LogEntry = CommitInfo & { files: string[] };

export function toCommitInfo(sha: string, c: git.CommitObject): CommitInfo {
  return {
    sha,
    author: { name: c.author.name, email: c.author.email, timestamp: c.author.timestamp },
    committer: { name: c.committer.name, email: c.committer.email, timestamp: c.committer.timestamp },
    message: c.message,
    parents: [...c.parent],
  };
}

export async function logHistory(reader: ObjectReader, startSha: string, opts: Omit<LogOptions, 'ref'>): Promise<LogEntry[]> {
  const path = normalizePath(opts.path);
  const limit = opts.depth ?? Infinity;
  const out: LogEntry[] = [];
  const queue = new CommitQueue();
  const seen = new Set<string>([startSha]);
  queue.push(startSha, (await reader.commit(startSha)).committer.timestamp);

  const pathOid = async (sha: string): Promise<string | undefined> => {
    const entry = await reader.entryAt((await reader.commit(sha)).tree, path);
    return entry ? `${entry.mode}:${entry.oid}` : undefined;
  };

  while (out.length < limit) {
    const sha = queue.pop();
    if (!sha) break;
    const commit = await reader.commit(sha);
    if (opts.since !== undefined && commit.committer.timestamp < opts.since) break;
    let follow = commit.parent;
    let show: boolean;
    if (path === '') {
      show = true; // no pathspec: git log shows every commit, merges and empty ones included
    } else if (commit.parent.length === 0) {
      show = (await pathOid(sha)) !== undefined;
    } else {
      const mine = await pathOid(sha);
      const theirs = await Promise.all(commit.parent.map(pathOid));
      const same = theirs.findIndex((t) => t === mine);
      show = same < 0;
      if (same >= 0) follow = [commit.parent[same]];
    }
    if (show) {
      const files = await changedFiles(reader, commit.parent[0], sha, path);
      out.push({ ...toCommitInfo(sha, commit), files: files.map((f) => f.path) });
    }
    for (const parent of follow) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      queue.push(parent, (await reader.commit(parent)).committer.timestamp);
    }
  }
  return out;
}

/** Commits ordered newest committer time first; equal times in insertion order, as git's walk. */
class CommitQueue {
  private items: Array<{ sha: string; time: number; seq: number }> = [];
  private seq = 0;

  push(sha: string, time: number): void {
    const item = { sha, time, seq: this.seq++ };
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].time < time) i--;
    this.items.splice(i, 0, item);
  }

  pop(): string | undefined {
    return this.items.shift()?.sha;
  }
}
