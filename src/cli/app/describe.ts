// `app get`'s human output: a summary of spec and status (repo, path, target,
// destination, policy, sync and health), conditions with file:line, the
// resources table, branch previews and the last operation with its results.

import type { Application } from '../../api/generated/index.js';
import { renderTable, type Style } from '../output.js';
import { ageOf } from '../time.js';
import { describePolicy } from './spec.js';
import { describeOperation, resourcesTable, resultsTable } from './results.js';

export function describeApplication(app: Application, style: Style, now: number = Date.now()): string {
  const s = app.status ?? {};
  const src = app.spec.source;
  const field = (label: string, value: string | undefined) => `${`${label}:`.padEnd(16)}${value ?? ''}`;
  const out: string[] = [
    field('Name', app.metadata.name),
    field('Namespace', app.metadata.namespace),
    field('Repo', src.repoURL),
    field('Path', src.path ?? '.'),
    field('Target', src.targetRevision ?? 'HEAD'),
    field('Destination', app.spec.destination.namespace ?? '(app namespace)'),
    field('Sync Policy', describePolicy(app) + (app.spec.syncPolicy?.syncOptions?.length ? `; options ${app.spec.syncPolicy.syncOptions.join(', ')}` : '')),
    field('Sync Status', `${style.status(s.sync?.status ?? 'Unknown')}${s.sync?.revision ? ` to ${s.sync.revision.slice(0, 7)}` : ''}`),
    field('Health Status', `${style.status(s.health?.status ?? 'Unknown')}${s.health?.message ? ` (${s.health.message})` : ''}`),
    field('Age', ageOf(app.metadata.creationTimestamp, now)),
  ];
  if (app.metadata.deletionTimestamp) out.push(field('Deleting', `since ${ageOf(app.metadata.deletionTimestamp, now)} ago`));
  if (s.autoSyncDisabledReason && !app.spec.syncPolicy?.automated) {
    out.push(style.yellow(field('Warning', `automated sync is off: ${s.autoSyncDisabledReason}`)));
  }
  if (s.conditions?.length) {
    out.push('', renderTable(
      ['CONDITION', 'FILE:LINE', 'MESSAGE'],
      s.conditions.map((c) => [style.status(c.type), c.file ? (c.line !== undefined ? `${c.file}:${c.line}` : c.file) : '', summaryLine(c.message)]),
    ));
    // A multi-line message (render errors) reads better in full below the table.
    for (const c of s.conditions) if (c.message.includes('\n')) out.push('', `${c.type}:`, ...c.message.split('\n').map((l) => `  ${l}`));
  }
  if (s.resources?.length) out.push('', resourcesTable(s.resources, style));
  if (s.previews?.length) {
    out.push('', renderTable(['PREVIEW BRANCH', 'APPLICATION', 'NAMESPACE', 'REVISION'], s.previews.map((p) => [p.branch, p.application, p.namespace, p.revision?.slice(0, 7)])));
  }
  const op = s.operationState;
  if (op) {
    out.push('', `Last operation: ${describeOperation(op, style)}`);
    if (op.message) out.push(...op.message.split('\n').map((l) => `  ${l}`));
    if (op.syncResult?.resources?.length) out.push('', resultsTable(op, style));
  }
  if (app.operation && (app.operation.sync || app.operation.rollback)) {
    out.push('', `Pending operation: ${app.operation.rollback ? 'rollback' : 'sync'} requested by ${app.operation.initiatedBy ?? 'unknown'}`);
  }
  return out.join('\n');
}

/** The first line of a condition message, saying how many more follow below the table. */
function summaryLine(message: string): string {
  const lines = message.split('\n');
  return lines.length > 1 ? `${lines[0]} (+${lines.length - 1} more below)` : message;
}
