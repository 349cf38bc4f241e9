// Shared set-up for the node agent tests: an in-process API server, a fake
// runtime, an agent on a temp state dir, and helpers to run pods on it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Event, Pod, PodSpec } from '../../../../src/api/generated/index.js';
import { startNodeAgent, type NodeAgent, type NodeAgentOptions } from '../../../../src/node/agent/index.js';
import { FakeClock, systemClock, type Clock } from '../../../../src/util/clock.js';
import { eventually, startControllerTest, type ControllerTest } from '../../../support/controllers.js';
import { FakeRuntime } from './fake-runtime.js';

export const NODE = 'agent-node';

export interface Harness {
  t: ControllerTest;
  clock: Clock;
  fake: FakeClock | undefined;
  runtime: FakeRuntime;
  agent: NodeAgent;
  stateDir: string;
  errors: unknown[];
  runPod(name: string, spec: Omit<PodSpec, 'containers'> & { containers?: PodSpec['containers'] }, meta?: Pod['metadata']): Promise<Pod>;
  get(name: string): Promise<Pod>;
  /** Wait until the pod's status satisfies fn. */
  until(name: string, what: string, fn: (pod: Pod) => unknown, timeoutMs?: number): Promise<Pod>;
  /** Stop the agent (containers keep running) and start another on the same state dir and runtime. */
  restartAgent(opts?: Partial<NodeAgentOptions>): Promise<void>;
  /** Wait for an event about a pod matching reason (and message, when given). */
  event(pod: string, reason: string, message?: string | RegExp): Promise<Event>;
  /** Advance the fake clock in steps, letting async work run between them. */
  advance(ms: number, stepMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(opts: { fakeClock?: boolean; agent?: Partial<NodeAgentOptions> } = {}): Promise<Harness> {
  const fake = opts.fakeClock ? new FakeClock(Date.now()) : undefined;
  const clock: Clock = fake ?? systemClock;
  const t = await startControllerTest();
  const runtime = new FakeRuntime(clock);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-agent-'));
  const errors: unknown[] = [];
  const start = (extra: Partial<NodeAgentOptions> = {}) =>
    startNodeAgent({ client: t.client, runtime, nodeName: NODE, stateDir, clock, renewIntervalMs: 60_000, onError: (e) => errors.push(e), ...opts.agent, ...extra });
  let agent = await start();
  const pods = () => t.client.pods.namespace('default');
  const h: Harness = {
    t,
    clock,
    fake,
    runtime,
    get agent() {
      return agent;
    },
    stateDir,
    errors,
    async runPod(name, spec, meta = {}) {
      return pods().create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', ...meta },
        spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'] }], ...spec, nodeName: NODE } as PodSpec,
      });
    },
    get: (name) => pods().get(name),
    event: (pod, reason, message) =>
      eventually(async () => {
        const list = await t.client.events.namespace('default').list();
        return list.items.find(
          (e) =>
            e.involvedObject?.name === pod &&
            e.reason === reason &&
            (message === undefined || (typeof message === 'string' ? e.message === message : message.test(e.message ?? ''))),
        );
      }, `event ${reason} for ${pod}`),
    async until(name, what, fn, timeoutMs = 10_000) {
      return eventually(async () => {
        const pod = await pods().get(name);
        return fn(pod) ? pod : undefined;
      }, `${name}: ${what}`, timeoutMs);
    },
    async restartAgent(extra = {}) {
      await agent.stop({ stopPods: false });
      agent = await start(extra);
    },
    async advance(ms, stepMs = 1000) {
      if (!fake) throw new Error('no fake clock');
      let left = ms;
      if (ms === 0) {
        fake.advance(0);
        await new Promise((r) => setTimeout(r, 5));
      }
      while (left > 0) {
        const step = Math.min(stepMs, left);
        fake.advance(step);
        left -= step;
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      await agent.stop({ stopPods: false });
      await t.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return h;
}

export function cond(pod: Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

export function cs(pod: Pod, name: string) {
  return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === name);
}
