// `gitplane app rollback`: revert commits on the tracked branch, as a user would
// with `git revert` — one revert commit per reverted commit, newest first,
// pushed when the repository is remote. The app then converges like after any
// commit. Conflicts refuse cleanly and leave the branch as it was.

import type { Application, RollbackOperation } from '../../api/generated/index.js';
import type { GitRepository } from '../source/index.js';

export interface RollbackOutcome {
  /** The revert commits written, oldest first. */
  commits: string[];
  message: string;
}

/** "Name <email>" → identity; anything else is a name with a placeholder address. */
export function parseAuthor(author: string | undefined): { name: string; email: string } {
  const m = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(author ?? '');
  if (m) return { name: m[1] || 'gitplane', email: m[2]! };
  return { name: author?.trim() || 'gitplane', email: 'gitplane@localhost' };
}

/** The branch an app tracks, or an error message when it is pinned to a tag or commit. */
export async function trackedBranch(app: Application, repo: GitRepository): Promise<string> {
  const target = app.spec.source.targetRevision ?? 'HEAD';
  if (target === 'HEAD' || target === '') return repo.defaultBranch();
  const branches = await repo.branches();
  if (branches.some((b) => b.name === target)) return target;
  throw new Error(`cannot roll back by commit: targetRevision "${target}" is not a branch (sync to an older revision with --no-commit instead)`);
}

export async function rollback(app: Application, repo: GitRepository, op: RollbackOperation, now: Date): Promise<RollbackOutcome> {
  const branch = await trackedBranch(app, repo);
  const author = parseAuthor(op.author);
  const targets: string[] = [];
  if (op.revision) {
    targets.push(await repo.resolveRevision(op.revision));
  } else if (op.historyId !== undefined) {
    const entry = (app.status?.history ?? []).find((h) => h.id === op.historyId);
    if (!entry) throw new Error(`history entry ${op.historyId} not found (see gitplane app history ${app.metadata.name!})`);
    // Every commit on the branch after the deployed one, newest first (first parents only).
    let sha = await repo.resolveRevision(branch);
    for (let guard = 0; sha !== entry.revision; guard++) {
      if (guard > 1000) throw new Error(`revision ${entry.revision.slice(0, 7)} is not an ancestor of ${branch} within 1000 commits`);
      const info = await repo.commitInfo(sha);
      if (info.parents.length === 0) throw new Error(`revision ${entry.revision.slice(0, 7)} of history entry ${op.historyId} is not on branch ${branch}`);
      targets.push(sha);
      sha = info.parents[0]!;
    }
    if (targets.length === 0) throw new Error(`history entry ${op.historyId} is already the head of ${branch}: nothing to roll back`);
  } else {
    // Default: the last deployment's commit.
    const last = app.status?.history?.[app.status.history.length - 1];
    if (!last) throw new Error('no deployment in history to roll back; give a revision');
    targets.push(last.revision);
  }
  const commits: string[] = [];
  for (const sha of targets) commits.push(await repo.revert({ sha, branch, author, now }));
  await repo.push(branch);
  const short = (s: string) => s.slice(0, 7);
  return {
    commits,
    message: `rollback: reverted ${targets.map(short).join(', ')} on ${branch} with ${commits.map(short).join(', ')}`,
  };
}
