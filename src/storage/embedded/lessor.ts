// Leases: a TTL, an absolute expiry in wall-clock time (so a restart keeps
// the remaining TTL rather than granting a fresh one), and the keys attached.
// Pure bookkeeping; the store decides when to revoke and logs every change.

import { randomBytes } from 'node:crypto';

export interface Lease {
  id: string;
  /** Granted TTL in seconds. */
  ttl: number;
  /** Wall-clock milliseconds at which the lease expires. */
  expiresAt: number;
  keys: Set<string>;
}

export class Lessor {
  readonly leases = new Map<string, Lease>();

  has(id: string): boolean {
    return this.leases.has(id);
  }

  get(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  /** A fresh positive int64 id, as a decimal string. */
  newId(): string {
    for (;;) {
      const id = (randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn).toString();
      if (id !== '0' && !this.leases.has(id)) return id;
    }
  }

  grant(id: string, ttl: number, expiresAt: number): Lease {
    const existing = this.leases.get(id);
    const lease: Lease = { id, ttl, expiresAt, keys: existing?.keys ?? new Set() };
    this.leases.set(id, lease);
    return lease;
  }

  renew(id: string, expiresAt: number): void {
    const lease = this.leases.get(id);
    if (lease) lease.expiresAt = expiresAt;
  }

  /** Remove the lease; returns the keys that were attached. */
  revoke(id: string): string[] {
    const lease = this.leases.get(id);
    this.leases.delete(id);
    return lease ? [...lease.keys] : [];
  }

  attach(id: string, key: string): void {
    this.leases.get(id)?.keys.add(key);
  }

  detach(id: string, key: string): void {
    this.leases.get(id)?.keys.delete(key);
  }

  /** Ids of leases expired at `now`, soonest first. */
  expired(now: number): string[] {
    const out: Lease[] = [];
    for (const lease of this.leases.values()) if (lease.expiresAt <= now) out.push(lease);
    return out.sort((a, b) => a.expiresAt - b.expiresAt).map((l) => l.id);
  }

  /** Whole seconds left (etcd truncates), never below 0. */
  remaining(lease: Lease, now: number): number {
    return Math.max(0, Math.floor((lease.expiresAt - now) / 1000));
  }
}
