// Non-root pod networking: every pod gets its own 127.x.y.z address from a
// loopback range (Linux routes all of 127.0.0.0/8 to lo, so binding needs no
// setup). Pods share the host's network namespace, so they must bind their
// own address (the process runtime passes it as POD_IP / HOST).

import path from 'node:path';
import type { PodNetwork, PodSandbox } from '../runtime/types.js';
import { Cidr } from './cidr.js';
import { Ipam } from './ipam.js';
import type { NetworkPlugin } from './types.js';

export interface LoopbackNetworkOptions {
  stateDir: string;
  /** Default 127.1.0.0/16; must lie inside 127.0.0.0/8. */
  base?: string;
}

export interface LoopbackNetwork extends NetworkPlugin {
  close(): Promise<void>;
}

export function createLoopbackNetwork(opts: LoopbackNetworkOptions): LoopbackNetwork {
  const base = opts.base ?? '127.1.0.0/16';
  const cidr = new Cidr(base);
  if (!new Cidr('127.0.0.0/8').contains(cidr.at(0)) || cidr.prefix < 8) throw new Error(`loopback pod range ${base} is not inside 127.0.0.0/8`);
  // .1 of the range is left out so it never collides with a "gateway"-looking address.
  const ipam = new Ipam({ file: path.join(opts.stateDir, 'ipam-loopback.json'), range: base, reservedOffsets: [1] });
  return {
    async setUp(sandbox: PodSandbox): Promise<PodNetwork> {
      return { ip: ipam.allocate(sandbox.uid || sandbox.id) };
    },
    async tearDown(sandbox: PodSandbox): Promise<void> {
      ipam.release(sandbox.uid || sandbox.id);
    },
    async close() {},
  };
}
