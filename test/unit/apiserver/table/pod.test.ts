import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../../src/api/generated/index.js';
import { podSummary, tableFor } from '../../../../src/apiserver/table/index.js';

const now = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(now - ms).toISOString();
const MIN = 60_000;

function pod(overrides: { metadata?: Partial<Pod['metadata']>; spec?: Partial<NonNullable<Pod['spec']>>; status?: Pod['status'] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u-1', resourceVersion: '107', creationTimestamp: ago(43_000), ...overrides.metadata },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }], nodeName: 'node-1', ...overrides.spec },
    status: overrides.status ?? {},
  };
}

const running = { running: { startedAt: ago(40_000) } };

function cells(p: Pod): unknown[] {
  return tableFor('Pod', [p], { now }).rows[0].cells;
}

describe('Pod table', () => {
  it('has the 1.31 columns, wide ones at priority 1', () => {
    const table = tableFor('Pod', [], { now });
    expect(table.columnDefinitions!.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ]);
    for (const c of table.columnDefinitions!) expect(c.description.length).toBeGreaterThan(0);
  });

  it('prints a running, ready pod as Running 1/1', () => {
    const p = pod({
      status: {
        phase: 'Running',
        podIP: '10.244.0.235',
        podIPs: [{ ip: '10.244.0.235' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'nginx', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: '', state: running }],
      },
    });
    expect(cells(p)).toEqual(['web-1', '1/1', 'Running', '0', '43s', '10.244.0.235', 'node-1', '<none>', '<none>']);
  });

  it('falls back to status.podIP and prints <none> for missing IP and node', () => {
    expect(cells(pod({ status: { phase: 'Running', podIP: '10.0.0.9' } }))[5]).toBe('10.0.0.9');
    const pending = pod({ spec: { nodeName: undefined }, status: { phase: 'Pending' } });
    expect(cells(pending)).toEqual(['web-1', '0/1', 'Pending', '0', '43s', '<none>', '<none>', '<none>', '<none>']);
  });

  it('shows ContainerCreating while the container waits', () => {
    const p = pod({
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'nginx', ready: false, restartCount: 0, image: 'nginx:1.27', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }],
      },
    });
    expect(podSummary(p, now)).toEqual({ ready: '0/1', status: 'ContainerCreating', restarts: '0' });
  });

  it('shows ErrImagePull and ImagePullBackOff', () => {
    for (const reason of ['ErrImagePull', 'ImagePullBackOff']) {
      const p = pod({
        status: { phase: 'Pending', containerStatuses: [{ name: 'nginx', ready: false, restartCount: 0, image: 'x', imageID: '', state: { waiting: { reason } } }] },
      });
      expect(podSummary(p, now).status).toBe(reason);
    }
  });

  it('shows CrashLoopBackOff with restarts and when the last one happened', () => {
    const p = pod({
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'nginx',
            ready: false,
            restartCount: 3,
            image: 'nginx:1.27',
            imageID: '',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
          },
        ],
      },
    });
    expect(podSummary(p, now)).toEqual({ ready: '0/1', status: 'CrashLoopBackOff', restarts: '3 (5m ago)' });
  });

  it('prints restarts without a time when no termination time is known', () => {
    const p = pod({
      status: { phase: 'Running', containerStatuses: [{ name: 'nginx', ready: true, restartCount: 2, image: 'x', imageID: '', state: running }] },
    });
    expect(podSummary(p, now).restarts).toBe('2');
  });

  it('shows Completed for a succeeded pod and marks the row Completed', () => {
    const p = pod({
      spec: { restartPolicy: 'Never' },
      status: {
        phase: 'Succeeded',
        containerStatuses: [
          { name: 'nginx', ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(MIN) } } },
        ],
      },
    });
    const row = tableFor('Pod', [p], { now }).rows[0];
    expect(row.cells.slice(0, 4)).toEqual(['web-1', '0/1', 'Completed', '0']);
    expect(row.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('shows Error and ExitCode/Signal for failed containers', () => {
    const failed = (terminated: { exitCode: number; reason?: string; signal?: number }): Pod =>
      pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'nginx', ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated } }] } });
    expect(podSummary(failed({ exitCode: 1, reason: 'Error' }), now).status).toBe('Error');
    expect(podSummary(failed({ exitCode: 137 }), now).status).toBe('ExitCode:137');
    expect(podSummary(failed({ exitCode: 137, signal: 9 }), now).status).toBe('Signal:9');
    expect(tableFor('Pod', [failed({ exitCode: 1, reason: 'Error' })], { now }).rows[0].conditions?.[0]).toMatchObject({ reason: 'Failed' });
  });

  it('shows Running again when a completed sidecar leaves another container running', () => {
    const p = pod({
      spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 0, image: 'x', imageID: '', state: running },
          { name: 'b', ready: false, restartCount: 0, image: 'y', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      },
    });
    expect(podSummary(p, now)).toMatchObject({ ready: '1/2', status: 'Running' });
    p.status!.conditions = [{ type: 'Ready', status: 'False' }];
    expect(podSummary(p, now).status).toBe('NotReady');
  });

  it('shows Terminating once a live pod has a deletionTimestamp', () => {
    const p = pod({
      metadata: { deletionTimestamp: ago(2_000) },
      status: { phase: 'Running', containerStatuses: [{ name: 'nginx', ready: true, restartCount: 0, image: 'x', imageID: '', state: running }] },
    });
    expect(podSummary(p, now).status).toBe('Terminating');
    // A finished pod keeps its terminal status; a pod of a lost node reads Unknown.
    expect(podSummary(pod({ metadata: { deletionTimestamp: ago(1) }, status: { phase: 'Succeeded' } }), now).status).toBe('Succeeded');
    expect(podSummary(pod({ metadata: { deletionTimestamp: ago(1) }, status: { phase: 'Running', reason: 'NodeLost' } }), now).status).toBe('Unknown');
  });

  describe('init containers', () => {
    const spec = { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'main', image: 'nginx' }] };
    const waitingMain = { name: 'main', ready: false, restartCount: 0, image: 'nginx', imageID: '', state: { waiting: { reason: 'PodInitializing' } } };

    it('shows Init:0/1 while the first init container runs', () => {
      const p = pod({
        spec,
        status: {
          phase: 'Pending',
          conditions: [{ type: 'Initialized', status: 'False' }],
          initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: running }],
          containerStatuses: [waitingMain],
        },
      });
      expect(podSummary(p, now)).toEqual({ ready: '0/1', status: 'Init:0/1', restarts: '0' });
    });

    it('shows Init:<reason> for waiting or failed init containers', () => {
      const withInit = (state: object, restartCount = 0): Pod =>
        pod({
          spec,
          status: { phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount, image: 'busybox', imageID: '', state }], containerStatuses: [waitingMain] },
        });
      expect(podSummary(withInit({ waiting: { reason: 'CrashLoopBackOff' } }, 4), now)).toEqual({ ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '4' });
      expect(podSummary(withInit({ terminated: { exitCode: 1, reason: 'Error' } }), now).status).toBe('Init:Error');
      expect(podSummary(withInit({ terminated: { exitCode: 2 } }), now).status).toBe('Init:ExitCode:2');
      expect(podSummary(withInit({ terminated: { exitCode: 2, signal: 15 } }), now).status).toBe('Init:Signal:15');
      expect(podSummary(withInit({ waiting: { reason: 'PodInitializing' } }), now).status).toBe('Init:0/1');
    });

    it('moves on to the app containers once init containers succeeded', () => {
      const p = pod({
        spec,
        status: {
          phase: 'Running',
          conditions: [
            { type: 'Initialized', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
          initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
          containerStatuses: [{ name: 'main', ready: true, restartCount: 1, image: 'nginx', imageID: '', state: running }],
        },
      });
      expect(podSummary(p, now)).toEqual({ ready: '1/1', status: 'Running', restarts: '1' });
    });

    it('counts started sidecars (restartPolicy Always init containers) in READY', () => {
      const p = pod({
        spec: { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }], containers: [{ name: 'main', image: 'nginx' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [
            {
              name: 'proxy',
              ready: true,
              started: true,
              restartCount: 2,
              image: 'envoy',
              imageID: '',
              state: running,
              lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * MIN) } },
            },
          ],
          containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'nginx', imageID: '', state: running }],
        },
      });
      expect(podSummary(p, now)).toEqual({ ready: '2/2', status: 'Running', restarts: '2 (3m ago)' });
    });
  });

  it('shows SchedulingGated and readiness gates', () => {
    const gated = pod({ spec: { nodeName: undefined }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
    expect(podSummary(gated, now).status).toBe('SchedulingGated');
    const gates = pod({
      spec: { readinessGates: [{ conditionType: 'example.com/a' }, { conditionType: 'example.com/b' }] },
      status: { phase: 'Running', conditions: [{ type: 'example.com/a', status: 'True' }] },
    });
    expect(cells(gates)[8]).toBe('1/2');
  });

  it('prints <unknown> age without creationTimestamp', () => {
    expect(cells(pod({ metadata: { creationTimestamp: undefined } }))[4]).toBe('<unknown>');
  });
});
