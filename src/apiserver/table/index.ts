/**
 * Table conversion: what kube-apiserver answers when a client (kubectl get) sends
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns and cells follow
 * pkg/printers/internalversion/printers.go of Kubernetes 1.31; like the real server, every
 * column is sent (priority-1 columns too) and kubectl hides the wide ones without `-o wide`.
 * Kinds without a printer get Name and Age.
 *
 * Pure: the caller passes the objects, the current time, and the list's resourceVersion.
 */
import type { ObjectMeta } from '../../api/generated/index.js';
import { ageColumn, nameColumn } from './columns.js';
import { configMapPrinter, endpointsPrinter, eventPrinter, namespacePrinter, nodePrinter, secretPrinter, servicePrinter } from './core.js';
import { translateTimestampSince } from './human-duration.js';
import { leasePrinter } from './lease.js';
import { applicationPrinter } from './application.js';
import { podPrinter } from './pod.js';
import type { KindPrinter, PartialObjectMetadata, Table, TableApiVersion, TableColumnDefinition, TableOptions, TableRow } from './types.js';
import { cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter } from './workloads.js';

export type {
  IncludeObjectPolicy,
  KindPrinter,
  PartialObjectMetadata,
  PrintedRow,
  Table,
  TableApiVersion,
  TableCell,
  TableColumnDefinition,
  TableColumnType,
  TableOptions,
  TableRow,
  TableRowCondition,
} from './types.js';
export { humanDuration, translateTimestampSince } from './human-duration.js';
export { podSummary } from './pod.js';

/** Name and Age, for kinds without a printer of their own. */
export const defaultPrinter: KindPrinter = {
  columns: [nameColumn(), ageColumn()],
  print(obj: object, now: number) {
    const metadata = (obj as { metadata?: ObjectMeta }).metadata;
    return { cells: [metadata?.name ?? '', translateTimestampSince(metadata?.creationTimestamp, now)] };
  },
};

/** Printers by kind. Kind names are unique across the groups gitplane serves. */
const PRINTERS: ReadonlyMap<string, KindPrinter> = new Map([
  ['Pod', podPrinter],
  ['Service', servicePrinter],
  ['Endpoints', endpointsPrinter],
  ['Namespace', namespacePrinter],
  ['Node', nodePrinter],
  ['ConfigMap', configMapPrinter],
  ['Secret', secretPrinter],
  ['Event', eventPrinter],
  ['Deployment', deploymentPrinter],
  ['ReplicaSet', replicaSetPrinter],
  ['DaemonSet', daemonSetPrinter],
  ['Job', jobPrinter],
  ['CronJob', cronJobPrinter],
  ['Lease', leasePrinter],
  ['Application', applicationPrinter],
]);

/** The printer for `kind` (defaultPrinter when there is none). */
export function printerFor(kind: string): KindPrinter {
  return PRINTERS.get(kind) ?? defaultPrinter;
}

/** The column definitions of `kind`'s table (fresh copies). */
export function columnDefinitionsFor(kind: string): TableColumnDefinition[] {
  return printerFor(kind).columns.map((c) => ({ ...c }));
}

/** The PartialObjectMetadata of an object: its whole metadata except managedFields. */
export function partialObjectMetadata(obj: object, apiVersion: TableApiVersion = 'meta.k8s.io/v1'): PartialObjectMetadata {
  const { managedFields: _managedFields, ...metadata } = (obj as { metadata?: ObjectMeta }).metadata ?? {};
  return { kind: 'PartialObjectMetadata', apiVersion, metadata };
}

/**
 * The Table for `objects` of `kind` (e.g. "Pod"): one row per object with its cells and, by
 * default, its PartialObjectMetadata (kubectl takes the NAMESPACE column of `-A` from it).
 */
export function tableFor(kind: string, objects: readonly object[], opts: TableOptions): Table {
  const printer = printerFor(kind);
  const apiVersion = opts.apiVersion ?? 'meta.k8s.io/v1';
  const includeObject = opts.includeObject ?? 'Metadata';
  const rows: TableRow[] = objects.map((obj) => {
    const printed = printer.print(obj, opts.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions !== undefined) row.conditions = printed.conditions;
    if (includeObject === 'Metadata') row.object = partialObjectMetadata(obj, apiVersion);
    else if (includeObject === 'Object') row.object = obj;
    return row;
  });

  const metadata: Table['metadata'] = {};
  const resourceVersion =
    opts.resourceVersion ?? (objects.length === 1 ? (objects[0] as { metadata?: ObjectMeta }).metadata?.resourceVersion : undefined);
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;

  // Key order as kube-apiserver writes it: kind, apiVersion, metadata, columnDefinitions, rows.
  if (opts.omitHeaders) return { kind: 'Table', apiVersion, metadata, rows };
  return { kind: 'Table', apiVersion, metadata, columnDefinitions: printer.columns.map((c) => ({ ...c })), rows };
}
