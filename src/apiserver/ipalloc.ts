// ClusterIP and NodePort allocation, kept in the store next to the objects:
// every allocated IP or port is a key (/registry/ranges/serviceips/<ip>,
// /registry/ranges/servicenodeports/<port>) created in the same txn as the
// Service, guarded by "key does not exist", and deleted in the same txn
// that deletes the Service. Two Services can never get one IP, and nothing
// leaks when a create fails.

import { invalid, StatusError } from '../api/status.js';
import type { Compare, RequestOp, Store } from '../storage/index.js';

const IP_PREFIX = '/registry/ranges/serviceips/';
const PORT_PREFIX = '/registry/ranges/servicenodeports/';

export interface Allocation {
  compares: Compare[];
  ops: RequestOp[];
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class ServiceCidr {
  readonly base: number;
  readonly size: number;

  constructor(readonly cidr: string) {
    const [ip, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`service CIDR ${cidr}: prefix must be /8 to /30`);
    this.size = 2 ** (32 - prefix);
    this.base = ipToInt(ip) - (ipToInt(ip) % this.size);
  }

  contains(ip: string): boolean {
    try {
      const n = ipToInt(ip);
      return n > this.base && n < this.base + this.size - 1;
    } catch {
      return false;
    }
  }

  /** The first usable address, reserved for the `kubernetes` Service. */
  get first(): string {
    return intToIp(this.base + 1);
  }

  at(offset: number): string {
    return intToIp(this.base + offset);
  }
}

export interface AllocatorOptions {
  serviceCidr?: string;
  nodePortRange?: [number, number];
}

export class Allocator {
  readonly cidr: ServiceCidr;
  readonly portRange: [number, number];

  constructor(
    private readonly store: Store,
    opts: AllocatorOptions = {},
  ) {
    this.cidr = new ServiceCidr(opts.serviceCidr ?? '10.96.0.0/16');
    this.portRange = opts.nodePortRange ?? [30000, 32767];
  }

  private async taken(key: string): Promise<boolean> {
    return (await this.store.range({ key, countOnly: true })).count > 0;
  }

  /** Reserve `ip` (or a random free one) for `owner` ("ns/name"). */
  async allocateIp(owner: string, requested: string | undefined, field: string, name: string): Promise<{ ip: string } & Allocation> {
    let ip = requested;
    if (ip !== undefined) {
      if (!this.cidr.contains(ip)) {
        throw invalid('', 'Service', name, [
          { reason: 'FieldValueInvalid', field, message: `Invalid value: "${ip}": provided IP is not in the valid range. The range of valid IPs is ${this.cidr.cidr}` },
        ]);
      }
      if (await this.taken(IP_PREFIX + ip)) {
        throw invalid('', 'Service', name, [
          { reason: 'FieldValueInvalid', field, message: `Invalid value: "${ip}": provided IP is already allocated` },
        ]);
      }
    } else {
      // Random probing, then a sweep: fast while the range is sparse, complete when it is not.
      const usable = this.cidr.size - 3; // network, .1 (kubernetes) and broadcast
      for (let i = 0; i < 32 && ip === undefined; i++) {
        const candidate = this.cidr.at(2 + Math.floor(Math.random() * usable));
        if (!(await this.taken(IP_PREFIX + candidate))) ip = candidate;
      }
      for (let off = 2; ip === undefined && off < this.cidr.size - 1; off++) {
        if (!(await this.taken(IP_PREFIX + this.cidr.at(off)))) ip = this.cidr.at(off);
      }
      if (ip === undefined) throw new StatusError(500, 'InternalError', `Internal error occurred: failed to allocate a serviceIP: range is full`);
    }
    const key = IP_PREFIX + ip;
    return { ip, compares: [{ key, target: 'create', result: '=', value: 0 }], ops: [{ put: { key, value: owner } }] };
  }

  async allocatePort(owner: string, requested: number | undefined, field: string, name: string): Promise<{ port: number } & Allocation> {
    const [lo, hi] = this.portRange;
    let port = requested;
    if (port !== undefined) {
      if (port < lo || port > hi) {
        throw invalid('', 'Service', name, [
          { reason: 'FieldValueInvalid', field, message: `Invalid value: ${port}: provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` },
        ]);
      }
      if (await this.taken(PORT_PREFIX + port)) {
        throw invalid('', 'Service', name, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${port}: provided port is already allocated` }]);
      }
    } else {
      for (let i = 0; i < 32 && port === undefined; i++) {
        const candidate = lo + Math.floor(Math.random() * (hi - lo + 1));
        if (!(await this.taken(PORT_PREFIX + candidate))) port = candidate;
      }
      for (let p = lo; port === undefined && p <= hi; p++) if (!(await this.taken(PORT_PREFIX + p))) port = p;
      if (port === undefined) throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
    }
    const key = PORT_PREFIX + port;
    return { port, compares: [{ key, target: 'create', result: '=', value: 0 }], ops: [{ put: { key, value: owner } }] };
  }

  releaseIp(ip: string): RequestOp[] {
    return [{ deleteRange: { key: IP_PREFIX + ip } }];
  }

  releasePort(port: number): RequestOp[] {
    return [{ deleteRange: { key: PORT_PREFIX + port } }];
  }
}
