// An in-process cluster plus a controller context for controller and
// scheduler tests: the API server (plain HTTP, no auth), a client through the
// in-process transport, shared informers, an event recorder. `run()` starts
// the given controllers and then the informers; `close()` stops everything.

import { ClientEventRecorder } from '../../src/controller/runtime/events.js';
import type { Controller, ControllerContext } from '../../src/controller/runtime/context.js';
import { createClient, inProcessTransport, InformerFactory, type Client } from '../../src/client/index.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { startTestCluster, type TestCluster } from './cluster.js';

export interface ControllerTest {
  cluster: TestCluster;
  client: Client;
  ctx: ControllerContext;
  /** Start controllers (their handlers first, then the informers they registered). */
  run(...controllers: Controller[]): Promise<void>;
  close(): Promise<void>;
}

export async function startControllerTest(opts: { clock?: Clock } = {}): Promise<ControllerTest> {
  const cluster = await startTestCluster({ insecureHttp: true });
  const client = createClient(inProcessTransport(cluster.api.handler));
  const clock = opts.clock ?? systemClock;
  const informers = new InformerFactory(client, { clock });
  const errors: unknown[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    clock,
    recorder: new ClientEventRecorder(client, 'test', clock, (e) => errors.push(e)),
    log: { info: () => undefined, error: (m, e) => errors.push(new Error(`${m}: ${(e as Error)?.message ?? e}`)) },
  };
  const running: Controller[] = [];
  return {
    cluster,
    client,
    ctx,
    async run(...controllers) {
      for (const c of controllers) {
        c.start();
        running.push(c);
      }
      informers.start();
      await informers.waitForCacheSync();
    },
    async close() {
      for (const c of running.reverse()) await c.stop();
      await informers.stop();
      client.close();
      await cluster.close();
    },
  };
}

/** Poll `fn` until it returns a truthy value; fail after `timeoutMs`. */
export async function eventually<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
