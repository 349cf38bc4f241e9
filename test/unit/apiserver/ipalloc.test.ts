import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Allocator, ServiceCidr } from '../../../src/apiserver/ipalloc.js';
import { openEmbeddedStore, type EmbeddedStore } from '../../../src/storage/index.js';

const open: Array<{ store: EmbeddedStore; dir: string }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.store.close();
    fs.rmSync(o.dir, { recursive: true, force: true });
  }
});

async function allocator(cidr: string): Promise<{ alloc: Allocator; store: EmbeddedStore }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-ipalloc-'));
  const store = await openEmbeddedStore({ dir });
  open.push({ store, dir });
  return { alloc: new Allocator(store, { serviceCidr: cidr, nodePortRange: [30000, 30004] }), store };
}

describe('ServiceCidr', () => {
  it.each([
    ['10.96.0.0/16', '10.96.0.1', true],
    ['10.96.0.0/16', '10.96.255.254', true],
    ['10.96.0.0/16', '10.96.0.0', false],
    ['10.96.0.0/16', '10.96.255.255', false],
    ['10.96.0.0/16', '10.97.0.1', false],
    ['10.96.0.0/16', 'not-an-ip', false],
  ])('%s contains %s: %s', (cidr, ip, want) => {
    expect(new ServiceCidr(cidr).contains(ip)).toBe(want);
  });
});

describe('Allocator', () => {
  it('hands out every address of a small range once, then reports the range full', async () => {
    const { alloc, store } = await allocator('10.0.0.0/29'); // 8 addresses: .2–.6 usable (.1 reserved)
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const a = await alloc.allocateIp(`ns/s${i}`, undefined, 'spec.clusterIP', `s${i}`);
      expect(seen.has(a.ip)).toBe(false);
      seen.add(a.ip);
      await store.txn({ compare: a.compares, success: a.ops });
    }
    expect([...seen].sort()).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    await expect(alloc.allocateIp('ns/x', undefined, 'spec.clusterIP', 'x')).rejects.toMatchObject({ status: { code: 500 } });
    // Releasing one makes exactly that one available again.
    await store.txn({ success: alloc.releaseIp('10.0.0.4') });
    expect((await alloc.allocateIp('ns/y', undefined, 'spec.clusterIP', 'y')).ip).toBe('10.0.0.4');
  });

  it('refuses requested IPs and ports that are taken or out of range, with the field', async () => {
    const { alloc, store } = await allocator('10.96.0.0/16');
    const a = await alloc.allocateIp('ns/a', '10.96.1.1', 'spec.clusterIP', 'a');
    await store.txn({ compare: a.compares, success: a.ops });
    await expect(alloc.allocateIp('ns/b', '10.96.1.1', 'spec.clusterIP', 'b')).rejects.toMatchObject({
      status: { code: 422, details: { causes: [{ field: 'spec.clusterIP' }] } },
    });
    await expect(alloc.allocateIp('ns/b', '192.168.0.1', 'spec.clusterIP', 'b')).rejects.toMatchObject({ status: { code: 422 } });
    await expect(alloc.allocatePort('ns/b', 29999, 'spec.ports[0].nodePort', 'b')).rejects.toMatchObject({ status: { code: 422 } });
  });

  it('two allocations racing for one address: the store lets only one txn through', async () => {
    const { alloc, store } = await allocator('10.96.0.0/16');
    const a = await alloc.allocateIp('ns/a', '10.96.3.3', 'spec.clusterIP', 'a');
    const b = await alloc.allocateIp('ns/b', '10.96.3.3', 'spec.clusterIP', 'b');
    const results = await Promise.all([a, b].map((x) => store.txn({ compare: x.compares, success: x.ops })));
    expect(results.map((r) => r.succeeded).sort()).toEqual([false, true]);
  });
});
