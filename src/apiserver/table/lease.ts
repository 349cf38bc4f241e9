/**
 * The Lease (coordination.k8s.io/v1) printer: Name, Holder, Age.
 */
import type { Lease } from '../../api/generated/index.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { translateTimestampSince } from './human-duration.js';
import type { KindPrinter, PrintedRow } from './types.js';

export const leasePrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column(
      'Holder',
      'string',
      'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
    ),
    ageColumn(),
  ],
  print(obj: object, now: number): PrintedRow {
    const lease = obj as Lease;
    return { cells: [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '', translateTimestampSince(lease.metadata?.creationTimestamp, now)] };
  },
};
