// `gitplane audit` as a table: commit, date, author, when it went live (and how
// long until healthy), message and files; an APP column when several apps are
// shown and a CHANGE column with --resource.

import { renderTable, truncate, type Style } from '../output.js';
import { formatDuration, formatTimestamp } from '../time.js';
import { liveText, type AuditEntry } from './join.js';

export interface AuditTableOptions {
  showApp: boolean;
  showChange: boolean;
  wide: boolean;
  style: Style;
}

export function auditTable(entries: AuditEntry[], opts: AuditTableOptions): string {
  const headers = [
    ...(opts.showApp ? ['APP'] : []),
    'COMMIT',
    ...(opts.showChange ? ['CHANGE'] : []),
    'DATE',
    'AUTHOR',
    'LIVE',
    'HEALTHY-AFTER',
    'MESSAGE',
    'FILES',
  ];
  const rows = entries.map((e) => {
    const live = liveText(e.live, formatTimestamp);
    return [
      ...(opts.showApp ? [e.app] : []),
      opts.wide ? e.commit : e.commit.slice(0, 7),
      ...(opts.showChange ? [e.change ?? ''] : []),
      formatTimestamp(e.date),
      opts.wide ? e.author : e.author.replace(/\s*<[^>]*>$/, ''),
      e.live.state === 'live' ? opts.style.green(live) : e.live.state === 'pending' ? opts.style.yellow(live) : opts.style.dim(live),
      e.live.state === 'live' && e.live.healthyAt && e.live.deployedAt ? formatDuration(Date.parse(e.live.healthyAt) - Date.parse(e.live.deployedAt)) : '-',
      opts.wide ? e.message : truncate(e.message, 50),
      filesText(e.files, opts.wide),
    ];
  });
  return renderTable(headers, rows);
}

function filesText(files: string[], wide: boolean): string {
  if (wide || files.length <= 3) return files.join(',');
  return `${files.slice(0, 3).join(',')} +${files.length - 3} more`;
}
