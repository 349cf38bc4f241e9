// The heart of `gitplane audit`: each commit of an app's path joined with when
// it went live — the earliest deployment (status.history) of that commit or of a
// descendant of it. Not deployed yet: "pending"; older than the retained
// history (entries were dropped): "before history". Pure, given isAncestor.

import type { RevisionHistory } from '../../api/generated/index.js';
import type { CommitInfo } from '../../gitops/types.js';
import { apiTime } from '../../util/time.js';

export type LiveState =
  | { state: 'live'; historyId: number; revision: string; deployedAt?: string; healthyAt?: string }
  | { state: 'pending' }
  | { state: 'before-history' };

export type Change = 'added' | 'changed' | 'removed';

export interface AuditEntry {
  app: string;
  namespace: string;
  commit: string;
  parents: string[];
  author: string;
  /** Committer date (when the commit landed on the branch), RFC 3339. */
  date: string;
  authorDate: string;
  /** First line of the message. */
  message: string;
  files: string[];
  live: LiveState;
  /** With --resource: what the commit did to that object. */
  change?: Change;
}

export type AncestorCheck = (ancestor: string, descendant: string) => Promise<boolean>;

/** isAncestor with answers remembered (the same pairs come up for every commit). */
export function memoizeAncestry(check: AncestorCheck): AncestorCheck {
  const memo = new Map<string, Promise<boolean>>();
  return (a, d) => {
    const key = `${a}..${d}`;
    let hit = memo.get(key);
    if (!hit) memo.set(key, (hit = a === d ? Promise.resolve(true) : check(a, d)));
    return hit;
  };
}

/**
 * When `commit` went live. History is oldest first (as status.history). An entry's deployment
 * contains the commit when the entry's revision is the commit or a descendant of it.
 */
export async function liveStateOf(commit: string, history: RevisionHistory[], isAncestor: AncestorCheck): Promise<LiveState> {
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    if (!(await isAncestor(commit, h.revision))) continue;
    // Contained in the oldest retained deployment but older than it, while older entries were
    // dropped (ids start above 0): it went live at some deployment we no longer know.
    if (i === 0 && h.id > 0 && h.revision !== commit) return { state: 'before-history' };
    return { state: 'live', historyId: h.id, revision: h.revision, ...(h.deployedAt ? { deployedAt: h.deployedAt } : {}), ...(h.healthyAt ? { healthyAt: h.healthyAt } : {}) };
  }
  return { state: 'pending' };
}

export async function joinAudit(
  app: { name: string; namespace: string },
  log: Array<CommitInfo & { files: string[] }>,
  history: RevisionHistory[],
  isAncestor: AncestorCheck,
): Promise<AuditEntry[]> {
  const ordered = [...history].sort((a, b) => a.id - b.id);
  const out: AuditEntry[] = [];
  for (const c of log) {
    out.push({
      app: app.name,
      namespace: app.namespace,
      commit: c.sha,
      parents: c.parents,
      author: c.author.email ? `${c.author.name} <${c.author.email}>` : c.author.name,
      date: iso(c.committer.timestamp),
      authorDate: iso(c.author.timestamp),
      message: c.message.split('\n', 1)[0]!.trim(),
      files: c.files,
      live: await liveStateOf(c.sha, ordered, isAncestor),
    });
  }
  return out;
}

function iso(seconds: number): string {
  return apiTime(seconds * 1000);
}

/** How an entry's LIVE column reads: the deployment time, "pending" or "before history". */
export function liveText(live: LiveState, format: (t: string | undefined) => string): string {
  if (live.state === 'pending') return 'pending';
  if (live.state === 'before-history') return 'before history';
  return format(live.deployedAt) || `deployment ${live.historyId}`;
}
