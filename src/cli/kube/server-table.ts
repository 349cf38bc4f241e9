// Server-side Tables, as kubectl gets them: ask with the meta.k8s.io Table
// Accept header, page through lists 500 rows at a time, and print the columns
// kubectl would — priority 0 always, the rest with -o wide; NAMESPACE (from
// each row's object metadata) with -A; `kind/name` when several types were
// asked for; LABELS with --show-labels and one column per -L key.

import type { ObjectMeta } from '../../api/generated/index.js';
import type { Client, Query } from '../../client/index.js';
import { renderTable } from '../table.js';
import { ageOf } from '../time.js';

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export interface TableColumn {
  name: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
}

export type TableCell = string | number | boolean | null | undefined;

export interface TableRow {
  cells: TableCell[];
  object?: { kind?: string; apiVersion?: string; metadata?: ObjectMeta };
}

export interface ServerTable {
  kind: 'Table';
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  columnDefinitions?: TableColumn[];
  rows: TableRow[];
}

interface ObjectOrList {
  kind?: string;
  metadata?: ObjectMeta & { resourceVersion?: string; continue?: string };
  items?: Array<{ metadata?: ObjectMeta }>;
}

/** A Table from whatever the server answered: a Table as is, a list or an object as NAME and AGE (what kubectl shows without server Tables). */
export function asTable(body: unknown, now = Date.now()): ServerTable {
  const b = body as ServerTable | ObjectOrList;
  if (b && b.kind === 'Table') return b as ServerTable;
  const o = b as ObjectOrList;
  const objects = Array.isArray(o.items) ? o.items : [o];
  return {
    kind: 'Table',
    metadata: { ...(o.metadata?.resourceVersion ? { resourceVersion: o.metadata.resourceVersion } : {}) },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', priority: 0 },
      { name: 'Age', type: 'string', format: '', priority: 0 },
    ],
    rows: objects.map((obj) => ({ cells: [obj.metadata?.name ?? '', ageOf(obj.metadata?.creationTimestamp, now)], object: { metadata: obj.metadata ?? {} } })),
  };
}

/** GET one object or a collection as a Table; collections are read 500 rows a page, as kubectl does. */
export async function fetchTable(client: Client, path: string, query: Query = {}, opts: { collection?: boolean; signal?: AbortSignal } = {}): Promise<ServerTable> {
  const headers = { accept: TABLE_ACCEPT };
  if (!opts.collection) return asTable(await client.raw('GET', path, { query, headers, ...(opts.signal ? { signal: opts.signal } : {}) }));
  let page = asTable(await client.raw('GET', path, { query: { ...query, limit: 500 }, headers, ...(opts.signal ? { signal: opts.signal } : {}) }));
  const rows = [...page.rows];
  const columns = page.columnDefinitions;
  while (page.metadata?.continue) {
    page = asTable(await client.raw('GET', path, { query: { ...query, limit: 500, continue: page.metadata.continue }, headers, ...(opts.signal ? { signal: opts.signal } : {}) }));
    rows.push(...page.rows);
  }
  return { ...page, metadata: { ...(page.metadata?.resourceVersion ? { resourceVersion: page.metadata.resourceVersion } : {}) }, ...(columns ? { columnDefinitions: columns } : {}), rows };
}

export interface TablePrintOptions {
  /** -o wide: columns of priority > 0 too. */
  wide?: boolean;
  /** A NAMESPACE column first (-A on a namespaced kind). */
  withNamespace?: boolean;
  /** Put before each name: "deployment.apps/" (several types asked for). */
  kindPrefix?: string;
  /** --show-labels: a LABELS column last. */
  showLabels?: boolean;
  /** -L: one column per label key. */
  labelColumns?: string[];
  /** --output-watch-events: an EVENT column first (values passed per row). */
  withEvent?: boolean;
}

/** The headers to print and, for each, where its value comes from. */
export interface TableLayout {
  headers: string[];
  /** Index into the row's cells for each server column kept. */
  indexes: number[];
  nameIndex: number;
}

export function tableLayout(columns: TableColumn[] | undefined, opts: TablePrintOptions): TableLayout {
  const defs = columns ?? [];
  const indexes = defs.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || (c.priority ?? 0) === 0).map(({ i }) => i);
  const nameAt = defs.findIndex((c) => c.format === 'name');
  const headers = [
    ...(opts.withEvent ? ['EVENT'] : []),
    ...(opts.withNamespace ? ['NAMESPACE'] : []),
    ...indexes.map((i) => defs[i]!.name.toUpperCase()),
    ...(opts.labelColumns ?? []).map((k) => labelColumnHeader(k)),
    ...(opts.showLabels ? ['LABELS'] : []),
  ];
  return { headers, indexes, nameIndex: nameAt < 0 ? 0 : nameAt };
}

/** kubectl's -L header: the last segment of the key, upper-cased. */
export function labelColumnHeader(key: string): string {
  const slash = key.lastIndexOf('/');
  return (slash < 0 ? key : key.slice(slash + 1)).toUpperCase();
}

/** One printed row for a server row. */
export function tableRowCells(row: TableRow, layout: TableLayout, opts: TablePrintOptions, event?: string): string[] {
  const meta = row.object?.metadata ?? {};
  const labels = meta.labels ?? {};
  return [
    ...(opts.withEvent ? [event ?? ''] : []),
    ...(opts.withNamespace ? [meta.namespace ?? ''] : []),
    ...layout.indexes.map((i) => {
      const text = formatCell(row.cells[i]);
      return i === layout.nameIndex && opts.kindPrefix ? `${opts.kindPrefix}/${text}` : text;
    }),
    ...(opts.labelColumns ?? []).map((k) => labels[k] ?? ''),
    ...(opts.showLabels ? [formatLabels(labels)] : []),
  ];
}

/** A cell as kubectl prints it: text up to the first line break (then "..."), numbers and booleans as text, null as <none>. */
export function formatCell(cell: TableCell): string {
  if (cell === null || cell === undefined) return '<none>';
  if (typeof cell !== 'string') return String(cell);
  const br = cell.search(/[\f\n\r]/);
  return br < 0 ? cell : `${cell.slice(0, br)}...`;
}

/** "a=b,c=d" sorted by key, or <none>. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** The whole table as text (header and rows), or '' when it has no rows. */
export function printServerTable(table: ServerTable, opts: TablePrintOptions = {}, noHeaders = false): string {
  if (table.rows.length === 0) return '';
  const layout = tableLayout(table.columnDefinitions, opts);
  const text = renderTable(
    layout.headers,
    table.rows.map((r) => tableRowCells(r, layout, opts)),
  );
  return noHeaders ? text.split('\n').slice(1).join('\n') : text;
}
