// Host-local IPAM, after the CNI host-local plugin: one JSON file in the
// state dir maps a pod's uid to its address, so an agent restart hands a
// running pod the same IP and never gives a live pod's address to another.
// Allocation walks the range from just after the last address handed out
// (so a released address is not reused at once) and skips reserved offsets.

import fs from 'node:fs';
import path from 'node:path';
import { Cidr } from './cidr.js';

export interface IpamOptions {
  /** The JSON file holding the allocations. */
  file: string;
  range: string;
  /** Offsets in the range that are never handed out (besides network and broadcast). */
  reservedOffsets?: number[];
  /** Skip addresses whose last octet is 0 or 255 (default true). */
  skipZeroAnd255?: boolean;
}

interface IpamState {
  range: string;
  /** uid → ip */
  allocations: Record<string, string>;
  lastOffset: number;
}

export class Ipam {
  readonly cidr: Cidr;
  private readonly file: string;
  private readonly reserved: Set<number>;
  private readonly skipZeroAnd255: boolean;
  private state: IpamState;
  private readonly owners = new Map<string, string>();

  constructor(opts: IpamOptions) {
    this.cidr = new Cidr(opts.range);
    this.file = opts.file;
    this.reserved = new Set([0, this.cidr.size - 1, ...(opts.reservedOffsets ?? [])]);
    this.skipZeroAnd255 = opts.skipZeroAnd255 ?? true;
    this.state = this.load();
    for (const [uid, ip] of Object.entries(this.state.allocations)) this.owners.set(ip, uid);
  }

  /** The address held by `uid`, allocating one when it has none. */
  allocate(uid: string): string {
    const held = this.state.allocations[uid];
    if (held) return held;
    const size = this.cidr.size;
    for (let i = 1; i <= size; i++) {
      const offset = (this.state.lastOffset + i) % size;
      if (this.reserved.has(offset)) continue;
      const ip = this.cidr.at(offset);
      if (this.skipZeroAnd255 && (ip.endsWith('.0') || ip.endsWith('.255'))) continue;
      if (this.owners.has(ip)) continue;
      this.state.allocations[uid] = ip;
      this.state.lastOffset = offset;
      this.owners.set(ip, uid);
      this.save();
      return ip;
    }
    throw new Error(`no free addresses left in ${this.cidr.cidr}`);
  }

  get(uid: string): string | undefined {
    return this.state.allocations[uid];
  }

  /** Release `uid`'s address; returns it (undefined when it held none). */
  release(uid: string): string | undefined {
    const ip = this.state.allocations[uid];
    if (!ip) return undefined;
    delete this.state.allocations[uid];
    this.owners.delete(ip);
    this.save();
    return ip;
  }

  /** uid → ip for every allocation. */
  entries(): Array<[string, string]> {
    return Object.entries(this.state.allocations);
  }

  private load(): IpamState {
    const empty: IpamState = { range: this.cidr.cidr, allocations: {}, lastOffset: 0 };
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty;
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<IpamState>;
    const allocations: Record<string, string> = {};
    // Addresses outside the (possibly reconfigured) range are dropped: they cannot be served.
    for (const [uid, ip] of Object.entries(parsed.allocations ?? {})) if (typeof ip === 'string' && this.cidr.contains(ip)) allocations[uid] = ip;
    const lastOffset = typeof parsed.lastOffset === 'number' && parsed.lastOffset >= 0 && parsed.lastOffset < this.cidr.size ? parsed.lastOffset : 0;
    return { range: this.cidr.cidr, allocations, lastOffset };
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }
}
