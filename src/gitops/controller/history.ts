// status.history: one entry per deployment (a sync that applied a revision),
// with the commit's author, committer and message, what the sync created,
// configured and pruned, and when the app first became healthy afterwards.

import type { RevisionHistory } from '../../api/generated/index.js';
import type { ResourceResult } from '../sync/index.js';
import type { CommitInfo, GitIdentity } from '../types.js';
import { apiTime } from '../../util/time.js';

/** Entries kept, like Argo CD's revisionHistoryLimit default. */
export const HISTORY_LIMIT = 10;

export function formatIdentity(who: GitIdentity): string {
  return who.email ? `${who.name} <${who.email}>` : who.name;
}

export function historyEntry(history: RevisionHistory[], commit: CommitInfo, results: ResourceResult[], now: Date): RevisionHistory {
  const counts = { created: 0, configured: 0, pruned: 0 };
  for (const r of results) {
    if (r.operation === 'created') counts.created++;
    else if (r.operation === 'configured') counts.configured++;
    else if (r.operation === 'pruned') counts.pruned++;
  }
  const id = history.reduce((max, h) => Math.max(max, h.id), -1) + 1;
  return {
    id,
    revision: commit.sha,
    author: formatIdentity(commit.author),
    committer: formatIdentity(commit.committer),
    message: commit.message.trimEnd(),
    deployedAt: apiTime(now.getTime()),
    resources: counts,
  };
}

export function appendHistory(history: RevisionHistory[], entry: RevisionHistory, limit = HISTORY_LIMIT): RevisionHistory[] {
  return [...history, entry].slice(-limit);
}

/** Set healthyAt on the newest entry for `revision` if it has none yet. */
export function markHealthy(history: RevisionHistory[], revision: string, now: Date): RevisionHistory[] {
  const last = history[history.length - 1];
  if (!last || last.revision !== revision || last.healthyAt) return history;
  return [...history.slice(0, -1), { ...last, healthyAt: apiTime(now.getTime()) }];
}
