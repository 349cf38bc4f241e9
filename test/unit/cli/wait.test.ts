// Waiting for an operation against a fake Applications client: done on the
// watch event that carries our final state (even one replaced at once), a
// timeout when it never comes, re-reading after a 410, and deletion polling.
import { describe, expect, it } from 'vitest';
import type { Application, OperationState } from '../../../src/api/generated/index.js';
import { StatusError } from '../../../src/api/status.js';
import type { ResourceClient, WatchEvent, WatchOptions } from '../../../src/client/index.js';
import { describeProgress, waitForDeletion, waitForOperation } from '../../../src/cli/app/wait.js';

function appWith(state: OperationState | undefined, rv: string): Application {
  return {
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'gitplane-system', resourceVersion: rv },
    spec: { source: { repoURL: '/r' }, destination: {} },
    status: state ? { operationState: state } : {},
  };
}

/** Each watch() call plays the next script of events, then hangs until aborted. */
function fakeApps(scripts: Array<Array<WatchEvent<Application>> | Error>, current: () => Application) {
  const watches: WatchOptions[] = [];
  const client = {
    get: async () => current(),
    watch: async (opts: WatchOptions) => {
      watches.push(opts);
      const script = scripts.shift() ?? [];
      if (script instanceof Error) throw script;
      return {
        stop() {},
        async *[Symbol.asyncIterator]() {
          for (const e of script) yield e;
          await new Promise<void>((resolve) => {
            if (opts.signal?.aborted) return resolve();
            opts.signal?.addEventListener('abort', () => resolve());
          });
        },
      };
    },
  };
  return { client: client as unknown as ResourceClient<Application>, watches };
}

const sync = { kind: 'sync' as const, initiatedBy: 'user:alice' };
const ours = (phase: OperationState['phase'], finished = true): OperationState => ({
  operation: 'user:alice',
  phase,
  startedAt: '2026-01-02T00:00:00Z',
  ...(finished ? { finishedAt: '2026-01-02T00:00:03Z' } : {}),
});

describe('waitForOperation', () => {
  it('finishes on the watch event with our final state, watching from the patched resourceVersion', async () => {
    const start = appWith(undefined, '10');
    const { client, watches } = fakeApps(
      [[{ type: 'MODIFIED', object: appWith(ours('Running', false), '11') }, { type: 'MODIFIED', object: appWith(ours('Failed'), '12') }]],
      () => start,
    );
    const progress: string[] = [];
    const result = await waitForOperation(client, start, undefined, sync, { timeoutMs: 5000, onProgress: (t) => progress.push(t) });
    expect(result.ok && result.value.state.phase).toBe('Failed');
    expect(watches[0]).toMatchObject({ fieldSelector: { 'metadata.name': 'web' }, resourceVersion: '10' });
    expect(progress).toContain('web: Running');
  });

  it('sees a state that another write replaces right away (a rollback before the sync of its revert)', async () => {
    const rolled: OperationState = { operation: 'rollback', phase: 'Succeeded', message: 'rollback: reverted a on main with b', finishedAt: 'x' };
    const start = appWith(undefined, '1');
    const { client } = fakeApps(
      [[{ type: 'MODIFIED', object: appWith(rolled, '2') }, { type: 'MODIFIED', object: appWith({ operation: 'automated', phase: 'Running' }, '3') }]],
      () => appWith({ operation: 'automated', phase: 'Running' }, '3'),
    );
    const result = await waitForOperation(client, start, undefined, { kind: 'rollback' }, { timeoutMs: 5000 });
    expect(result.ok && result.value.state).toEqual(rolled);
  });

  it('times out when our state never comes', async () => {
    const start = appWith(undefined, '1');
    const { client } = fakeApps([[{ type: 'MODIFIED', object: appWith({ operation: 'automated', phase: 'Succeeded', finishedAt: 'x' }, '2') }]], () => start);
    const result = await waitForOperation(client, start, undefined, sync, { timeoutMs: 150 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.waitedMs).toBeGreaterThanOrEqual(150);
  });

  it('takes a final phase without finishedAt after the settle time', async () => {
    const start = appWith(undefined, '1');
    const { client } = fakeApps([[{ type: 'MODIFIED', object: appWith(ours('Succeeded', false), '2') }]], () => start);
    const t0 = Date.now();
    const result = await waitForOperation(client, start, undefined, sync, { timeoutMs: 5000, settleMs: 100 });
    expect(result.ok && result.value.state.phase).toBe('Succeeded');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('re-reads the app when the watch is too old (410) and continues from there', async () => {
    const start = appWith(undefined, '1');
    let current = start;
    const { client, watches } = fakeApps(
      [new StatusError(410, 'Gone', 'too old resource version'), [{ type: 'MODIFIED', object: appWith(ours('Succeeded'), '9') }]],
      () => current,
    );
    current = appWith(undefined, '8');
    const result = await waitForOperation(client, start, undefined, sync, { timeoutMs: 5000 });
    expect(result.ok).toBe(true);
    expect(watches.map((w) => w.resourceVersion)).toEqual(['1', '8']);
  });

  it('is done at once when the patched app already shows our finished state', async () => {
    const { client, watches } = fakeApps([], () => appWith(undefined, '1'));
    const result = await waitForOperation(client, appWith(ours('Succeeded'), '5'), undefined, sync, { timeoutMs: 1000 });
    expect(result.ok).toBe(true);
    expect(watches).toEqual([]);
  });

  it('fails when the app is deleted meanwhile', async () => {
    const start = appWith(undefined, '1');
    const { client } = fakeApps([[{ type: 'DELETED', object: start }]], () => start);
    await expect(waitForOperation(client, start, undefined, sync, { timeoutMs: 1000 })).rejects.toThrow(/deleted/);
  });

  it('describes progress', () => {
    expect(describeProgress('web', undefined)).toBe('web: waiting for the controller to start the operation');
    expect(describeProgress('web', { phase: 'Running', syncResult: { resources: [{}, {}] } })).toBe('web: Running, 2 resource(s) done');
    expect(describeProgress('web', { phase: 'Running', message: 'waiting for wave 1\nmore' })).toBe('web: Running: waiting for wave 1');
  });
});

describe('waitForDeletion', () => {
  it('polls until NotFound', async () => {
    let calls = 0;
    const client = {
      get: async () => {
        if (++calls < 3) return {};
        throw new StatusError(404, 'NotFound', 'gone');
      },
    };
    const result = await waitForDeletion(client, 'web', { timeoutMs: 5000, sleep: async () => {} });
    expect(result.ok).toBe(true);
    expect(calls).toBe(3);
  });

  it('times out', async () => {
    let t = 0;
    const result = await waitForDeletion({ get: async () => ({}) }, 'web', { timeoutMs: 1000, now: () => t, sleep: async (ms) => void (t += ms) });
    expect(result).toEqual({ ok: false, waitedMs: 1000 });
  });
});
