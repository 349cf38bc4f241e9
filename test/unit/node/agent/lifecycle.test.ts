// Pod lifecycle on the node agent with a fake runtime and a fake clock: init
// containers in order, restart policies, crash-loop back-off timings, hooks,
// activeDeadlineSeconds, graceful deletion order, limits warnings and node
// shutdown.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../support/controllers.js';
import { cond, cs, startHarness, type Harness } from './harness.js';

/** "1m20s" → 80. */
function seconds(d: string): number {
  const m = /^(?:(\d+)m)?(\d+)s$/.exec(d);
  return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : NaN;
}

describe('node agent: pod lifecycle', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ fakeClock: true });
  });
  afterAll(async () => {
    if (h?.errors.length) console.warn(h.errors);
    await h?.close();
  });

  const running = (pod: string, c: string) => eventually(() => h.runtime.running(pod, c), `${pod}/${c} running`);

  it('runs init containers one at a time, in order, before the app containers', async () => {
    await h.runPod('init-order', {
      initContainers: [
        { name: 'first', image: 'busybox', command: ['true'] },
        { name: 'second', image: 'busybox', command: ['true'] },
      ],
      containers: [
        { name: 'app', image: 'busybox', command: ['sleep', '1d'] },
        { name: 'side', image: 'busybox', command: ['sleep', '1d'] },
      ],
    });
    const first = await running('init-order', 'first');
    let pod = await h.until('init-order', 'Init:0/2 posted', (p) => cs(p, 'first')?.state?.running);
    expect(pod.status?.phase).toBe('Pending');
    expect(cond(pod, 'Initialized')).toBe('False');
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.message).toBe('containers with incomplete status: [first second]');
    expect(cs(pod, 'app')?.state?.waiting?.reason).toBe('PodInitializing');
    expect(h.runtime.starts('init-order', 'second')).toBe(0);
    h.runtime.exit(first.id, 0);
    const second = await running('init-order', 'second');
    expect(h.runtime.starts('init-order', 'app')).toBe(0);
    h.runtime.exit(second.id, 0);
    await running('init-order', 'app');
    await running('init-order', 'side');
    pod = await h.until('init-order', 'Running and Ready', (p) => p.status?.phase === 'Running' && cond(p, 'Ready') === 'True');
    expect(cond(pod, 'Initialized')).toBe('True');
    expect(cs(pod, 'first')).toMatchObject({ ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    const order = h.runtime.calls.filter((c) => c.includes('init-order'));
    expect(order.slice(0, 5)).toEqual(['createSandbox init-order', 'start init-order/first', 'start init-order/second', 'start init-order/app', 'start init-order/side']);
  });

  it('restarts a failed init container (OnFailure) and fails the pod for a failed one with Never', async () => {
    await h.runPod('init-retry', { restartPolicy: 'OnFailure', initContainers: [{ name: 'setup', image: 'busybox', command: ['false'] }] });
    h.runtime.exit((await running('init-retry', 'setup')).id, 1);
    await eventually(() => h.runtime.starts('init-retry', 'setup') === 2, 'setup restarted at once');
    h.runtime.exit((await running('init-retry', 'setup')).id, 0);
    await running('init-retry', 'app');
    const pod = await h.until('init-retry', 'running', (p) => p.status?.phase === 'Running');
    expect(cs(pod, 'setup')).toMatchObject({ restartCount: 1, state: { terminated: { exitCode: 0 } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });

    await h.runPod('init-never', { restartPolicy: 'Never', initContainers: [{ name: 'setup', image: 'busybox', command: ['false'] }] });
    h.runtime.exit((await running('init-never', 'setup')).id, 2);
    const failed = await h.until('init-never', 'Failed', (p) => p.status?.phase === 'Failed');
    expect(cs(failed, 'setup')?.state?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(cs(failed, 'app')?.state?.waiting?.reason).toBe('PodInitializing');
    expect(h.runtime.starts('init-never', 'app')).toBe(0);
  });

  it('follows the restart policy: Never → Failed, OnFailure with 0 → Succeeded, Always restarts', async () => {
    await h.runPod('never', { restartPolicy: 'Never' });
    h.runtime.exit((await running('never', 'app')).id, 3);
    let pod = await h.until('never', 'Failed', (p) => p.status?.phase === 'Failed');
    expect(cs(pod, 'app')?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(cond(pod, 'Ready')).toBe('False');
    await eventually(() => h.runtime.calls.includes('removeSandbox never'), 'sandbox of the finished pod removed');

    await h.runPod('onfailure', { restartPolicy: 'OnFailure' });
    h.runtime.exit((await running('onfailure', 'app')).id, 0);
    pod = await h.until('onfailure', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(cs(pod, 'app')?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('PodCompleted');

    await h.runPod('always', {});
    h.runtime.exit((await running('always', 'app')).id, 0);
    pod = await h.until('always', 'restarted', (p) => cs(p, 'app')?.restartCount === 1 && !!cs(p, 'app')?.state?.running);
    expect(pod.status?.phase).toBe('Running');
    expect(cs(pod, 'app')?.lastState?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('backs off crash loops 10s, 20s, 40s ... with kube’s CrashLoopBackOff message', async () => {
    const created = await h.runPod('crashy', {});
    const uid = created.metadata.uid;
    h.runtime.exit((await running('crashy', 'app')).id, 1);
    // The first restart is immediate (kubelet only backs off from the second).
    await eventually(() => h.runtime.starts('crashy', 'app') === 2, 'first restart');
    h.runtime.exit((await running('crashy', 'app')).id, 1);
    let pod = await h.until('crashy', 'CrashLoopBackOff', (p) => cs(p, 'app')?.state?.waiting?.reason === 'CrashLoopBackOff');
    expect(cs(pod, 'app')?.state?.waiting?.message).toBe(`back-off 10s restarting failed container=app pod=crashy_default(${uid})`);
    expect(cs(pod, 'app')).toMatchObject({ restartCount: 1, ready: false, lastState: { terminated: { exitCode: 1 } } });
    expect(pod.status?.phase).toBe('Running');
    await h.advance(9000);
    expect(h.runtime.starts('crashy', 'app')).toBe(2);
    await h.advance(1000);
    await eventually(() => h.runtime.starts('crashy', 'app') === 3, 'restart after 10s');
    h.runtime.exit((await running('crashy', 'app')).id, 1);
    pod = await h.until('crashy', 'back-off 20s', (p) => cs(p, 'app')?.state?.waiting?.message?.startsWith('back-off 20s'));
    expect(cs(pod, 'app')?.restartCount).toBe(2);
    await h.advance(19_000);
    expect(h.runtime.starts('crashy', 'app')).toBe(3);
    await h.advance(1000);
    await eventually(() => h.runtime.starts('crashy', 'app') === 4, 'restart after 20s');
    h.runtime.exit((await running('crashy', 'app')).id, 1);
    await h.until('crashy', 'back-off 40s', (p) => cs(p, 'app')?.state?.waiting?.message?.startsWith('back-off 40s'));
    await h.advance(40_000, 5000);
    await eventually(() => h.runtime.starts('crashy', 'app') === 5, 'restart after 40s');
    // Ten minutes of running resets the back-off: the next crash restarts at once.
    await h.advance(11 * 60_000, 60_000);
    h.runtime.exit((await running('crashy', 'app')).id, 1);
    await eventually(() => h.runtime.starts('crashy', 'app') === 6, 'immediate restart after a long run');
    pod = await h.until('crashy', 'running again', (p) => cs(p, 'app')?.restartCount === 5 && !!cs(p, 'app')?.state?.running);
  });

  it('caps the back-off at 5 minutes', async () => {
    await h.runPod('capped', {});
    let starts = 1;
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      h.runtime.exit((await running('capped', 'app')).id, 1);
      const pod = await h.until('capped', `crash ${i}`, (p) => cs(p, 'app')?.restartCount === i && (i === 0 || cs(p, 'app')?.state?.waiting?.reason === 'CrashLoopBackOff'));
      const msg = cs(pod, 'app')?.state?.waiting?.message ?? '';
      delays.push(i === 0 ? 0 : seconds(/back-off (\S+) /.exec(msg)?.[1] ?? ''));
      if (i === 0) {
        await eventually(() => h.runtime.starts('capped', 'app') === ++starts, 'immediate');
        continue;
      }
      await h.advance(300_000, 10_000);
      await eventually(() => h.runtime.starts('capped', 'app') === ++starts, `restart ${i}`);
    }
    expect(delays).toEqual([0, 10, 20, 40, 80, 160, 300]);
  });

  it('runs postStart after the start and kills the container when it fails', async () => {
    h.runtime.execHandler = (c, argv) => (argv[0] === 'fail-hook' ? { exitCode: 1, stdout: '', stderr: 'nope', timedOut: false } : { exitCode: 0, stdout: '', stderr: '', timedOut: false });
    await h.runPod('hooked', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1d'], lifecycle: { postStart: { exec: { command: ['touch', '/ready'] } } } }] });
    await h.until('hooked', 'running', (p) => cs(p, 'app')?.state?.running);
    const calls = h.runtime.calls.filter((c) => c.includes('hooked/'));
    expect(calls.slice(0, 2)).toEqual(['start hooked/app', 'exec hooked/app touch /ready']);

    await h.runPod('badhook', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1d'], lifecycle: { postStart: { exec: { command: ['fail-hook'] } } } }] });
    const pod = await h.until('badhook', 'Failed', (p) => p.status?.phase === 'Failed');
    expect(cs(pod, 'app')?.state?.terminated?.exitCode).toBe(143);
    await h.event('badhook', 'FailedPostStartHook');
  });

  it('fails a pod past activeDeadlineSeconds', async () => {
    await h.runPod('deadline', { activeDeadlineSeconds: 30 });
    await running('deadline', 'app');
    await h.advance(29_000);
    expect((await h.get('deadline')).status?.phase).toBe('Running');
    await h.advance(2000);
    const pod = await h.until('deadline', 'DeadlineExceeded', (p) => p.status?.phase === 'Failed');
    expect(pod.status).toMatchObject({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(h.runtime.running('deadline', 'app')).toBeUndefined();
  });

  it('deletes gracefully: preStop, SIGTERM, SIGKILL at the grace deadline, clean-up, final delete', async () => {
    h.runtime.ignoreTerm.add('stubborn');
    await h.runPod('graceful', {
      terminationGracePeriodSeconds: 20,
      containers: [{ name: 'stubborn', image: 'busybox', command: ['sleep', '1d'], lifecycle: { preStop: { exec: { command: ['drain'] } } } }],
    });
    const c = await running('graceful', 'stubborn');
    await h.until('graceful', 'ready', (p) => cond(p, 'Ready') === 'True');
    await h.t.client.pods.namespace('default').delete('graceful');
    await eventually(() => h.runtime.calls.includes('exec graceful/stubborn drain'), 'preStop ran');
    await eventually(() => h.runtime.calls.some((x) => x.startsWith('stop graceful/stubborn')), 'stop sent');
    const stop = h.runtime.calls.find((x) => x.startsWith('stop graceful/stubborn'))!;
    expect(Number(stop.split(' ')[2])).toBeGreaterThan(19_000);
    expect(c.state.state).toBe('running');
    expect((await h.get('graceful')).metadata.deletionTimestamp).toBeTruthy();
    await h.advance(21_000);
    await eventually(async () => {
      try {
        await h.get('graceful');
        return false;
      } catch {
        return true;
      }
    }, 'pod deleted');
    expect(c.state).toMatchObject({ state: 'exited', exitCode: 137, signal: 'SIGKILL' });
    const calls = h.runtime.calls.filter((x) => x.includes('graceful'));
    expect(calls.slice(-4)).toEqual(['exec graceful/stubborn drain', stop, 'remove graceful/stubborn', 'removeSandbox graceful']);
  });

  it('restarts a container whose image was updated', async () => {
    await h.runPod('upgrade', {});
    const old = await running('upgrade', 'app');
    await h.until('upgrade', 'running', (p) => cs(p, 'app')?.state?.running);
    const pod = await h.get('upgrade');
    pod.spec!.containers[0].image = 'busybox:1.37';
    await h.t.client.pods.namespace('default').update(pod);
    await eventually(() => h.runtime.running('upgrade', 'app')?.config.image === 'busybox:1.37', 'new image running');
    expect(old.state.state).toBe('exited');
    const after = await h.until('upgrade', 'new image in status', (p) => cs(p, 'app')?.image === 'busybox:1.37' && !!cs(p, 'app')?.state?.running);
    expect(cs(after, 'app')?.restartCount).toBe(1);
    await h.event('upgrade', 'Killing', 'Container app definition changed, will be restarted');
  });

  it('warns once when the runtime does not enforce limits', async () => {
    h.runtime.enforcesLimits = false;
    await h.restartAgent();
    await h.runPod('limited', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1d'], resources: { limits: { memory: '64Mi', cpu: '500m' } } }] });
    const c = await running('limited', 'app');
    expect(c.config.resources).toEqual({ memoryLimit: 64 * 1024 * 1024, cpuLimitMillis: 500, cpuRequestMillis: 500 });
    const events = await eventually(async () => {
      const list = await h.t.client.events.namespace('default').list();
      const warned = list.items.filter((e) => e.reason === 'LimitsNotEnforced' && e.involvedObject?.name === 'limited');
      return warned.length ? warned : undefined;
    }, 'LimitsNotEnforced event');
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('Warning');
    expect(events[0].message).toContain('resource limits are not enforced by this runtime');
    h.runtime.enforcesLimits = true;
  });

  it('reports a container without command or args as CreateContainerConfigError', async () => {
    await h.runPod('nocmd', { containers: [{ name: 'app', image: 'nginx' }] });
    const pod = await h.until('nocmd', 'config error', (p) => cs(p, 'app')?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(cs(pod, 'app')?.state?.waiting?.message).toContain('has neither command nor args');
    expect(pod.status?.phase).toBe('Pending');
  });

  it('stop({ stopPods: true }) stops the containers and marks the pods Failed', async () => {
    await h.runPod('shutdown', {});
    const c = await running('shutdown', 'app');
    await h.until('shutdown', 'running', (p) => p.status?.phase === 'Running');
    await h.agent.stop({ stopPods: true });
    expect(c.state.state).toBe('exited');
    const pod = await h.get('shutdown');
    expect(pod.status).toMatchObject({ phase: 'Failed', reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.' });
    await h.restartAgent();
    expect(h.runtime.starts('shutdown', 'app')).toBe(1);
  });
});
