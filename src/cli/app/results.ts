// Tables about one Application: its resources (status.resources) and the
// per-resource results of an operation (operationState.syncResult), shared by
// `app get` and `app sync`.

import type { OperationState, ResourceStatus } from '../../api/generated/index.js';
import { formatTimestamp, formatDuration } from '../time.js';
import { renderTable, type Style } from '../output.js';

export function resourcesTable(resources: ResourceStatus[], style: Style): string {
  return renderTable(
    ['KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HEALTH', 'MESSAGE'],
    resources.map((r) => [
      r.kind,
      r.namespace,
      r.name,
      style.status(r.status) + (r.requiresPruning ? ' (requires pruning)' : ''),
      style.status(r.health?.status),
      r.health?.message,
    ]),
  );
}

export function resultsTable(state: OperationState, style: Style): string {
  const results = state.syncResult?.resources ?? [];
  return renderTable(
    ['KIND', 'NAMESPACE', 'NAME', 'STATUS', 'OPERATION', 'MESSAGE'],
    results.map((r) => [r.kind, r.namespace, r.name, style.status(r.status), r.operation, r.message]),
  );
}

/** "sync by user:alice to a1b2c3d: Succeeded at 2026-01-02 10:00:00Z (took 3s)". */
export function describeOperation(state: OperationState, style: Style): string {
  const what = state.operation === 'rollback' ? 'rollback' : `sync by ${state.operation ?? 'unknown'}`;
  const rev = state.revision ? ` to ${state.revision.slice(0, 7)}` : '';
  const started = state.startedAt ? Date.parse(state.startedAt) : NaN;
  const finished = state.finishedAt ? Date.parse(state.finishedAt) : NaN;
  const when = state.finishedAt
    ? ` at ${formatTimestamp(state.finishedAt)}`
    : state.startedAt
      ? ` ${state.phase === 'Running' ? 'since' : 'started'} ${formatTimestamp(state.startedAt)}`
      : '';
  const took = Number.isNaN(started) || Number.isNaN(finished) ? '' : ` (took ${formatDuration(finished - started)})`;
  return `${what}${rev}: ${style.status(state.phase)}${when}${took}`;
}
