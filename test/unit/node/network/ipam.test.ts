import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cidr, Ipam, createLoopbackNetwork, nodePodCidr, podAddressCount } from '../../../../src/node/network/index.js';
import type { PodSandbox } from '../../../../src/node/runtime/types.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-ipam-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const sandbox = (uid: string): PodSandbox => ({ id: uid, uid, namespace: 'default', name: `pod-${uid}`, hostname: `pod-${uid}`, network: { ip: '' } });

describe('Cidr', () => {
  it('normalises the base and walks addresses', () => {
    const c = new Cidr('10.244.0.77/24');
    expect(c.at(0)).toBe('10.244.0.0');
    expect(c.gateway).toBe('10.244.0.1');
    expect(c.size).toBe(256);
    expect(c.contains('10.244.0.255')).toBe(true);
    expect(c.contains('10.244.1.0')).toBe(false);
    expect(() => new Cidr('10.0.0.0')).toThrow(/CIDR/);
  });
});

describe('node pod CIDRs', () => {
  it('sizes a node block to its max pods: a /24 up to 253, wider beyond', () => {
    expect(nodePodCidr('10.244.0.0/16', 0, 110)).toBe('10.244.0.0/24');
    expect(nodePodCidr('10.244.0.0/16', 3, 253)).toBe('10.244.3.0/24');
    expect(nodePodCidr('10.244.0.0/16', 0, 254)).toBe('10.244.0.0/23');
    expect(nodePodCidr('10.244.0.0/16', 0, 1000)).toBe('10.244.0.0/22');
    expect(nodePodCidr('10.244.0.0/16', 1, 1000)).toBe('10.244.4.0/22');
    expect(() => nodePodCidr('10.244.0.0/16', 64, 1000)).toThrow(/no room for node index 64/);
    expect(() => nodePodCidr('10.244.0.0/16', 0, 70_000)).toThrow(/at most 65023 pods/);
  });

  it('counts exactly the addresses the IPAM hands out', () => {
    for (const range of ['10.9.0.0/29', '10.9.0.0/24', '10.9.0.0/22']) {
      const ipam = new Ipam({ file: path.join(dir, `${range.replace('/', '_')}.json`), range, reservedOffsets: [1] });
      let n = 0;
      expect(() => {
        for (;;) {
          ipam.allocate(`u${n}`);
          n++;
        }
      }).toThrow(/no free addresses/);
      expect(n).toBe(podAddressCount(range));
    }
  });
});

describe('Ipam', () => {
  it('hands out distinct addresses, skipping the network, the gateway and the broadcast', () => {
    const ipam = new Ipam({ file: path.join(dir, 'a.json'), range: '10.9.0.0/29', reservedOffsets: [1] });
    const got = ['a', 'b', 'c', 'd', 'e'].map((u) => ipam.allocate(u));
    expect(got).toEqual(['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    expect(() => ipam.allocate('f')).toThrow(/no free addresses/);
    expect(ipam.allocate('c')).toBe('10.9.0.4');
  });

  it('persists across instances and does not reuse a released address at once', () => {
    const file = path.join(dir, 'b.json');
    const one = new Ipam({ file, range: '10.9.0.0/24', reservedOffsets: [1] });
    expect(one.allocate('a')).toBe('10.9.0.2');
    expect(one.allocate('b')).toBe('10.9.0.3');
    const two = new Ipam({ file, range: '10.9.0.0/24', reservedOffsets: [1] });
    expect(two.get('a')).toBe('10.9.0.2');
    expect(two.allocate('b')).toBe('10.9.0.3');
    expect(two.release('a')).toBe('10.9.0.2');
    expect(two.allocate('c')).toBe('10.9.0.4');
    expect(new Ipam({ file, range: '10.9.0.0/24' }).entries().sort()).toEqual([
      ['b', '10.9.0.3'],
      ['c', '10.9.0.4'],
    ]);
  });
});

describe('loopback network', () => {
  it('gives each pod its own 127.x address, stable until torn down, remembered across restarts', async () => {
    const net = createLoopbackNetwork({ stateDir: dir });
    const a = await net.setUp(sandbox('uid-a'));
    const b = await net.setUp(sandbox('uid-b'));
    expect(a.ip).toMatch(/^127\.1\./);
    expect(b.ip).toMatch(/^127\.1\./);
    expect(a.ip).not.toBe(b.ip);
    expect(a.netnsPath).toBeUndefined();
    expect((await net.setUp(sandbox('uid-a'))).ip).toBe(a.ip);
    await net.close();
    const again = createLoopbackNetwork({ stateDir: dir });
    expect((await again.setUp(sandbox('uid-b'))).ip).toBe(b.ip);
    await again.tearDown(sandbox('uid-a'));
    await again.tearDown(sandbox('uid-a'));
    const c = await again.setUp(sandbox('uid-c'));
    expect([a.ip, b.ip]).not.toContain(c.ip);
  });

  it('rejects a base outside 127.0.0.0/8', () => {
    expect(() => createLoopbackNetwork({ stateDir: dir, base: '10.0.0.0/16' })).toThrow(/127/);
  });
});
