import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../../../src/api/generated/index.js';
import { canonicalSubsets, computeSubsets, findPort, shouldPodBeInEndpoints, TriggerTimeTracker, withoutResourceVersions } from '../../../../src/controller/endpoints/index.js';

function pod(name: string, ip: string | undefined, ready: boolean, extra: { ports?: Array<{ name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }>; phase?: string; restartPolicy?: string; deleting?: boolean; readySince?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '7', ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy as 'Never' } : {}), containers: [{ name: 'c', image: 'x', ports: extra.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: (extra.phase ?? 'Running') as 'Running',
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: extra.readySince ?? '2026-01-01T00:00:00Z' }],
    },
  };
}

function service(ports: NonNullable<Service['spec']>['ports'], extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { selector: { app: 'a' }, ports, ...extra } };
}

describe('computeSubsets', () => {
  it('splits ready and not-ready pods and skips pods without an IP or terminating', () => {
    const subsets = computeSubsets(service([{ name: 'http', port: 80, targetPort: 'http' }]), [
      pod('b', '10.0.0.10', true),
      pod('a', '10.0.0.9', true),
      pod('c', '10.0.0.3', false),
      pod('d', undefined, true),
      pod('e', '10.0.0.5', true, { deleting: true }),
    ]);
    expect(subsets).toHaveLength(1);
    // IPs sort numerically.
    expect(subsets[0].addresses!.map((a) => a.ip)).toEqual(['10.0.0.9', '10.0.0.10']);
    expect(subsets[0].notReadyAddresses!.map((a) => a.ip)).toEqual(['10.0.0.3']);
    expect(subsets[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(subsets[0].addresses![0]).toEqual({ ip: '10.0.0.9', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a', resourceVersion: '7' } });
  });

  it('publishNotReadyAddresses puts every pod with an IP in addresses, terminating ones too', () => {
    const subsets = computeSubsets(service([{ port: 80 }], { publishNotReadyAddresses: true }), [pod('a', '10.0.0.1', false), pod('b', '10.0.0.2', true, { deleting: true })]);
    expect(subsets[0].addresses!.map((a) => a.ip)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(subsets[0].notReadyAddresses).toBeUndefined();
  });

  it('groups addresses by the set of ports they offer', () => {
    const svc = service([
      { name: 'web', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9000, targetPort: 9100 },
    ]);
    const subsets = computeSubsets(svc, [
      pod('a', '10.0.0.1', true, { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('b', '10.0.0.2', false, { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('c', '10.0.0.3', true, { ports: [{ name: 'other', containerPort: 1 }] }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [expect.objectContaining({ ip: '10.0.0.1' })],
        notReadyAddresses: [expect.objectContaining({ ip: '10.0.0.2' })],
        ports: [
          { name: 'metrics', port: 9100, protocol: 'TCP' },
          { name: 'web', port: 8080, protocol: 'TCP' },
        ],
      },
      { addresses: [expect.objectContaining({ ip: '10.0.0.3' })], ports: [{ name: 'metrics', port: 9100, protocol: 'TCP' }] },
    ]);
  });

  it('lists addresses without ports for a headless Service without ports', () => {
    const subsets = computeSubsets(service([], { clusterIP: 'None' }), [pod('a', '10.0.0.1', true)]);
    expect(subsets).toEqual([{ addresses: [expect.objectContaining({ ip: '10.0.0.1' })] }]);
  });

  it('is canonical: the same state in any order compares equal, resourceVersions aside', () => {
    const svc = service([{ name: 'http', port: 80, targetPort: 'http' }]);
    const a = computeSubsets(svc, [pod('a', '10.0.0.1', true), pod('b', '10.0.0.2', false)]);
    const b = computeSubsets(svc, [pod('b', '10.0.0.2', false), pod('a', '10.0.0.1', true)]);
    expect(b).toEqual(a);
    expect(canonicalSubsets([...a].reverse())).toEqual(a);
    const moved = computeSubsets(svc, [{ ...pod('a', '10.0.0.1', true), metadata: { ...pod('a', '', true).metadata, resourceVersion: '8' } }, pod('b', '10.0.0.2', false)]);
    expect(moved).not.toEqual(a);
    expect(withoutResourceVersions(moved)).toEqual(withoutResourceVersions(a));
  });
});

describe('findPort and shouldPodBeInEndpoints', () => {
  it('resolves named ports by name and protocol, numbers as given, none as the service port', () => {
    const p = pod('a', '1.1.1.1', true, { ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] });
    expect(findPort(p, { port: 5353, targetPort: 'dns', protocol: 'UDP' })).toBe(53);
    expect(findPort(p, { port: 5353, targetPort: 'dns' })).toBeUndefined();
    expect(findPort(p, { port: 80, targetPort: 8080 })).toBe(8080);
    expect(findPort(p, { port: 80 })).toBe(80);
  });

  it('leaves out pods that will not run again', () => {
    expect(shouldPodBeInEndpoints(pod('a', '1.1.1.1', false, { phase: 'Succeeded', restartPolicy: 'Never' }), false)).toBe(false);
    expect(shouldPodBeInEndpoints(pod('a', '1.1.1.1', false, { phase: 'Failed', restartPolicy: 'OnFailure' }), false)).toBe(true);
    expect(shouldPodBeInEndpoints(pod('a', '1.1.1.1', false, { phase: 'Succeeded', restartPolicy: 'OnFailure' }), false)).toBe(false);
  });
});

describe('TriggerTimeTracker', () => {
  it('reports the earliest change not yet seen, then nothing', () => {
    const tracker = new TriggerTimeTracker();
    const svc = service([{ port: 80 }]);
    expect(tracker.compute('ns/svc', svc, [pod('a', '1.1.1.1', true, { readySince: '2026-01-01T00:00:05Z' })])).toBe('2026-01-01T00:00:00Z');
    expect(tracker.compute('ns/svc', svc, [pod('a', '1.1.1.1', true, { readySince: '2026-01-01T00:00:05Z' })])).toBeUndefined();
    expect(
      tracker.compute('ns/svc', svc, [pod('a', '1.1.1.1', false, { readySince: '2026-01-01T00:00:09Z' }), pod('b', '1.1.1.2', true, { readySince: '2026-01-01T00:00:07Z' })]),
    ).toBe('2026-01-01T00:00:07Z');
  });
});
