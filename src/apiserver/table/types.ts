/**
 * meta.k8s.io/v1 Table, as kube-apiserver returns it for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
 */
import type { ObjectMeta } from '../../api/generated/index.js';

/** OpenAPI type of a column's cells. */
export type TableColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface TableColumnDefinition {
  name: string;
  type: TableColumnType;
  /** "name" for the column holding the object's name, else "". */
  format: string;
  description: string;
  /** 0: always printed; > 0: only with `-o wide`. */
  priority: number;
}

/** A cell: text, a count, a flag, or null. */
export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  /** Kubernetes defines only "Completed" (e.g. a Succeeded or Failed pod). */
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** The metadata-only form of an object that Table rows carry by default (includeObject=Metadata). */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: TableApiVersion;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata (default), the whole object (includeObject=Object), or absent (None). kubectl reads metadata.namespace from it for `-A`. */
  object?: PartialObjectMetadata | object;
}

export type TableApiVersion = 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';

export interface Table {
  kind: 'Table';
  apiVersion: TableApiVersion;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** Omitted with omitHeaders (every watch event after the first). */
  columnDefinitions?: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObjectPolicy = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The current time in ms since the epoch (Age and other durations are computed against it). */
  now: number;
  /** What each row's `object` holds; default Metadata. */
  includeObject?: IncludeObjectPolicy;
  /**
   * Table.metadata.resourceVersion: the list's resourceVersion (what `kubectl get -w` watches
   * from). When absent and there is exactly one object, its own resourceVersion is used, as
   * kube-apiserver does for a single-object GET.
   */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** Drop columnDefinitions (watch events after the first). */
  omitHeaders?: boolean;
  /** meta.k8s.io/v1 (default) or v1beta1, whichever the client negotiated. */
  apiVersion?: TableApiVersion;
}

/** What a printer produces for one object. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/** Columns and cells for one kind, after pkg/printers/internalversion/printers.go (always "wide": the server sends every column). */
export interface KindPrinter {
  columns: readonly TableColumnDefinition[];
  print(obj: object, now: number): PrintedRow;
}
