// `get -w`: print the current rows (unless --watch-only), then one row per
// change as the server's Table watch reports it, padded to the columns
// printed so far, until Ctrl-C, --request-timeout, or the server ends the
// watch. -o yaml|json|name print each changed object instead.

import type { KindInfo } from '../../api/schemas.js';
import { StatusError, type Status } from '../../api/status.js';
import { watchStream, type Client, type KubeObject, type Query } from '../../client/index.js';
import { visibleLength } from '../table.js';
import { formatObject, objectName } from './objects.js';
import { resourceClient } from './resources.js';
import { asTable, fetchTable, TABLE_ACCEPT, tableLayout, tableRowCells, type ServerTable, type TableColumn, type TablePrintOptions } from './server-table.js';

export interface WatchOptions {
  client: Client;
  info: KindInfo;
  /** undefined: every namespace. */
  namespace?: string;
  /** Watch one object (fieldSelector metadata.name). */
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
  format: 'table' | 'wide' | 'yaml' | 'json' | 'name';
  print: TablePrintOptions;
  watchOnly?: boolean;
  noHeaders?: boolean;
  showManagedFields?: boolean;
  signal: AbortSignal;
  out(text: string): void;
  /** When there is nothing to print at first (no rows): the "No resources found" line. */
  onEmpty?(): void;
}

/** Rows printed one at a time, kept aligned with the widest cell seen so far. */
export class RowPrinter {
  private widths: number[] = [];

  constructor(
    private readonly out: (text: string) => void,
    private readonly gap = 3,
  ) {}

  /** Widen the columns for these rows without printing them. */
  measure(rows: string[][]): void {
    for (const r of rows) r.forEach((c, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, visibleLength(c))));
  }

  print(row: string[]): void {
    this.measure([row]);
    const text = row.map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(this.widths[i]! - visibleLength(c)))).join(' '.repeat(this.gap));
    this.out(text.trimEnd());
  }
}

function fieldSelectorFor(opts: Pick<WatchOptions, 'name' | 'fieldSelector'>): string | undefined {
  const parts = [...(opts.fieldSelector ? [opts.fieldSelector] : []), ...(opts.name ? [`metadata.name=${opts.name}`] : [])];
  return parts.length > 0 ? parts.join(',') : undefined;
}

export async function watchResources(opts: WatchOptions): Promise<void> {
  const rc = resourceClient(opts.client, opts.info, opts.namespace);
  const path = rc.collectionPath();
  const query: Query = { labelSelector: opts.labelSelector, fieldSelector: fieldSelectorFor(opts) };
  const table = opts.format === 'table' || opts.format === 'wide';
  const sig = { signal: opts.signal };

  // The current state: printed unless --watch-only; its resourceVersion is where the watch starts.
  let resourceVersion: string | undefined;
  let columns: TableColumn[] | undefined;
  const rows = new RowPrinter(opts.out);
  let headerPrinted = false;
  let printedObjects = 0;
  const emit = (o: KubeObject) => printObject(opts, o, printedObjects++ === 0);
  if (table) {
    const current = await fetchTable(opts.client, path, query, { collection: true, ...sig });
    resourceVersion = current.metadata?.resourceVersion;
    columns = current.columnDefinitions;
    if (!opts.watchOnly) {
      if (current.rows.length === 0) opts.onEmpty?.();
      else {
        const layout = tableLayout(columns, opts.print);
        const cells = current.rows.map((r) => tableRowCells(r, layout, opts.print, 'ADDED'));
        rows.measure([layout.headers, ...cells]);
        if (!opts.noHeaders) rows.print(layout.headers);
        headerPrinted = true;
        for (const c of cells) rows.print(c);
      }
    }
  } else {
    const list = await rc.list({ ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}), ...(fieldSelectorFor(opts) ? { fieldSelector: fieldSelectorFor(opts)! } : {}), ...sig });
    resourceVersion = list.metadata.resourceVersion;
    if (!opts.watchOnly) {
      if (list.items.length === 0) opts.onEmpty?.();
      list.items.forEach(emit);
    }
  }

  const response = await opts.client.rawStream('GET', path, {
    query: { ...query, watch: true, resourceVersion, allowWatchBookmarks: undefined },
    headers: table ? { accept: TABLE_ACCEPT } : {},
    ...sig,
  });
  const stream = watchStream<Record<string, unknown>>(response, table ? undefined : { apiVersion: opts.info.apiVersion, kind: opts.info.kind });
  try {
    for await (const event of stream) {
      if (event.type === 'BOOKMARK') continue;
      if (event.type === 'ERROR') throw StatusError.fromStatus(event.object as Status);
      if (!table) {
        emit(event.object as KubeObject);
        continue;
      }
      const t: ServerTable = asTable(event.object);
      columns = t.columnDefinitions ?? columns;
      const layout = tableLayout(columns, opts.print);
      if (!headerPrinted) {
        rows.measure([layout.headers]);
        if (!opts.noHeaders) rows.print(layout.headers);
        headerPrinted = true;
      }
      for (const r of t.rows) rows.print(tableRowCells(r, layout, opts.print, event.type));
    }
  } catch (err) {
    if (opts.signal.aborted) return;
    throw err;
  } finally {
    stream.stop();
  }
}

function printObject(opts: WatchOptions, obj: KubeObject, first: boolean): void {
  if (opts.format === 'name') return opts.out(objectName(obj));
  if (opts.format === 'yaml') return opts.out(`${first ? '' : '---\n'}${formatObject(obj, 'yaml', opts.showManagedFields)}`);
  opts.out(formatObject(obj, 'json', opts.showManagedFields));
}
