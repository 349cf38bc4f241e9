// Pod networking as the agent sees it: a NetworkPlugin gives a pod its
// address (and, for real plugins, a network namespace) before its sandbox is
// created, and takes it back when the pod is gone. The default plugin needs
// no privileges: each pod gets its own 127.x.y.z address, stable per pod uid
// and recorded in the state dir so an agent restart hands out the same one.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pod } from '../../api/generated/index.js';
import type { PodNetwork } from '../runtime/types.js';

export type { PodNetwork } from '../runtime/types.js';

export interface NetworkPlugin {
  /** Give the pod its network (idempotent: the same pod uid gets the same network). */
  setUp(pod: Pod): Promise<PodNetwork>;
  /** Release what setUp gave the pod (idempotent). */
  tearDown(pod: Pod): Promise<void>;
}

/** A /16 under 127.128.0.0/10 picked from the node name, so agents on one host rarely overlap. */
export function defaultLoopbackCidr(nodeName: string): string {
  const h = createHash('sha256').update(nodeName).digest();
  return `127.${128 + (h[0] % 64)}.0.0/16`;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { first: number; last: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid CIDR "${cidr}"`);
  const bits = Number(m[2]);
  if (bits > 30) throw new Error(`CIDR ${cidr} is too small for pods`);
  const size = 2 ** (32 - bits);
  const base = Math.floor(ipToInt(m[1]) / size) * size;
  return { first: base, last: base + size - 1 };
}

/**
 * Pod IPs on the loopback range (`127.0.0.0/8` routes to lo on Linux, so every address
 * is reachable from the host without configuration), allocated under `cidr` and recorded
 * in `<stateDir>/loopback-ips.json`; never .0 or .255 in the last octet, never 127.0.0.1.
 * The agent passes its podCidr, or defaultLoopbackCidr(nodeName).
 */
export function loopbackNetwork(stateDir: string, cidr = '127.200.0.0/16'): NetworkPlugin {
  const file = path.join(stateDir, 'loopback-ips.json');
  const range = parseCidr(cidr);
  if (range.first >>> 24 !== 127) throw new Error(`loopback network: ${cidr} is not in 127.0.0.0/8`);
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => T): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const load = (): Record<string, string> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  const save = (ips: Record<string, string>): void => {
    fs.mkdirSync(stateDir, { recursive: true });
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(ips));
    fs.renameSync(tmp, file);
  };
  let cursor = range.first;
  return {
    setUp: (pod) =>
      serial(() => {
        const uid = pod.metadata?.uid ?? '';
        if (!uid) throw new Error('loopback network: the pod has no uid');
        const ips = load();
        if (ips[uid]) return { ip: ips[uid] };
        const used = new Set(Object.values(ips));
        const size = range.last - range.first + 1;
        for (let i = 0; i < size; i++) {
          const n = range.first + ((cursor - range.first + i) % size);
          const last = n & 255;
          if (last === 0 || last === 255 || n === range.first || n === range.last) continue;
          const ip = intToIp(n);
          if (ip === '127.0.0.1' || used.has(ip)) continue;
          cursor = n + 1;
          ips[uid] = ip;
          save(ips);
          return { ip };
        }
        throw new Error(`loopback network: no free address in ${cidr}`);
      }),
    tearDown: (pod) =>
      serial(() => {
        const uid = pod.metadata?.uid ?? '';
        const ips = load();
        if (!(uid in ips)) return;
        delete ips[uid];
        save(ips);
      }),
  };
}
