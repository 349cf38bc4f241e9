// The resource lock leader election runs on, after client-go's
// resourcelock.LeaseLock: a coordination.k8s.io/v1 Lease whose spec is the
// election record. Writes carry the resourceVersion that was read, so of two
// candidates racing for an expired lease exactly one update lands; the other
// gets a 409 Conflict (or AlreadyExists when both try to create it).

import type { Lease, LeaseSpec } from '../../api/generated/index.js';
import type { Client } from '../../client/index.js';

/** What an elector writes into the lease. Times are milliseconds since the epoch. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

/** A MicroTime as the API writes it: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Milliseconds since the epoch of a Time or MicroTime; undefined when absent or malformed. */
export function parseMicroTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The record a lease holds (an empty holder when it was released or never held). */
export function recordOf(lease: Lease): Partial<LeaderElectionRecord> & { holderIdentity: string } {
  const spec: LeaseSpec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    ...(spec.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: spec.leaseDurationSeconds } : {}),
    ...(parseMicroTime(spec.acquireTime) !== undefined ? { acquireTime: parseMicroTime(spec.acquireTime) } : {}),
    ...(parseMicroTime(spec.renewTime) !== undefined ? { renewTime: parseMicroTime(spec.renewTime) } : {}),
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

function specOf(record: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: microTime(record.acquireTime),
    renewTime: microTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

export class LeaseLock {
  constructor(
    private readonly client: Client,
    readonly namespace: string,
    readonly name: string,
  ) {}

  private get leases() {
    return this.client.leases.namespace(this.namespace);
  }

  /** The lease; rejects with a 404 StatusError when there is none. */
  get(signal?: AbortSignal): Promise<Lease> {
    return this.leases.get(this.name, signal ? { signal } : {});
  }

  /** Create the lease; rejects with AlreadyExists when another candidate was first. */
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<Lease> {
    return this.leases.create(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: specOf(record) },
      signal ? { signal } : {},
    );
  }

  /** Replace the record of the lease as it was observed; rejects with a 409 Conflict when it changed since. */
  update(observed: Lease, record: LeaderElectionRecord, signal?: AbortSignal): Promise<Lease> {
    const next: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...observed.metadata, name: this.name, namespace: this.namespace },
      spec: { ...observed.spec, ...specOf(record) },
    };
    return this.leases.update(next, signal ? { signal } : {});
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }
}
