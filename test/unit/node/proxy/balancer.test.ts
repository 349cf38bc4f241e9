import { describe, expect, it } from 'vitest';
import type { Endpoints } from '../../../../src/api/generated/index.js';
import { Balancer, backendsFor } from '../../../../src/node/proxy/index.js';

const b = (n: number) => ({ ip: `127.0.0.${n}`, port: 80 });

describe('Balancer', () => {
  it('rotates round robin and offers every other backend after the first', () => {
    const lb = new Balancer();
    lb.update([b(1), b(2), b(3)], undefined);
    expect(lb.candidates('c').map((x) => x.ip)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect(lb.candidates('c').map((x) => x.ip)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.1']);
    expect(lb.candidates('c')[0].ip).toBe('127.0.0.3');
    expect(lb.candidates('c')[0].ip).toBe('127.0.0.1');
  });

  it('has nothing to offer without backends', () => {
    expect(new Balancer().candidates('c')).toEqual([]);
  });

  it('keeps a client on its backend with ClientIP affinity until the timeout', () => {
    let now = 0;
    const lb = new Balancer({ now: () => now });
    lb.update([b(1), b(2), b(3)], 1000);
    const first = lb.candidates('10.0.0.9')[0];
    lb.used('10.0.0.9', first);
    for (let i = 0; i < 5; i++) {
      now += 500;
      const pick = lb.candidates('10.0.0.9')[0];
      expect(pick).toEqual(first);
      lb.used('10.0.0.9', pick);
    }
    // Another client rotates as usual.
    expect(new Set([0, 1, 2].map(() => lb.candidates('10.0.0.8')[0].ip)).size).toBe(3);
    now += 1001;
    lb.candidates('10.0.0.9');
    lb.update([b(1), b(2), b(3)], undefined);
    expect(new Set([0, 1, 2].map(() => lb.candidates('10.0.0.9')[0].ip)).size).toBe(3);
  });

  it('forgets a sticky backend that left', () => {
    const lb = new Balancer();
    lb.update([b(1), b(2)], 10_000);
    lb.used('c', b(2));
    expect(lb.candidates('c')[0]).toEqual(b(2));
    lb.update([b(1), b(3)], 10_000);
    expect(lb.candidates('c').map((x) => x.ip)).not.toContain('127.0.0.2');
  });
});

describe('backendsFor', () => {
  it('takes the ready addresses with the port of the same name and protocol', () => {
    const ep = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 's', namespace: 'd' },
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }],
          notReadyAddresses: [{ ip: '10.0.0.3' }],
          ports: [
            { name: 'http', port: 8080, protocol: 'TCP' },
            { name: 'dns', port: 53, protocol: 'UDP' },
          ],
        },
      ],
    } as Endpoints;
    expect(backendsFor(ep, { name: 'http', port: 80 })).toEqual([
      { ip: '10.0.0.1', port: 8080 },
      { ip: '10.0.0.2', port: 8080 },
    ]);
    expect(backendsFor(ep, { name: 'dns', port: 53, protocol: 'UDP' })).toHaveLength(2);
    expect(backendsFor(ep, { name: 'dns', port: 53 })).toEqual([]);
    expect(backendsFor(undefined, { port: 80 })).toEqual([]);
  });
});
