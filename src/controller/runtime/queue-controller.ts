// The reconcile loop every controller shares, after client-go's controller
// pattern and controller-runtime's Reconciler: event handlers only enqueue
// keys ("ns/name"); workers pop keys and call one idempotent `reconcile`,
// which reads the informer caches and never branches on the event type.
// Errors are retried with per-key exponential backoff; a result may ask to
// be requeued after a delay.

import { runWorkers, WorkQueue, type ReconcileResult } from '../../client/index.js';
import type { Controller, ControllerContext } from './context.js';

export interface QueueControllerOptions {
  name: string;
  ctx: ControllerContext;
  /** Parallel workers; a key is never reconciled by two at once. */
  workers?: number;
  reconcile(key: string): Promise<ReconcileResult> | ReconcileResult;
  /** Register informer handlers that call `enqueue`. */
  setup(enqueue: (key: string) => void, self: QueueController): void;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class QueueController implements Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: QueueControllerOptions) {
    this.name = opts.name;
    this.queue = new WorkQueue<string>({
      name: opts.name,
      clock: opts.ctx.clock,
      baseDelayMs: opts.baseDelayMs ?? 5,
      maxDelayMs: opts.maxDelayMs ?? 60_000,
    });
  }

  enqueue = (key: string): void => {
    this.queue.add(key);
  };

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  start(): void {
    this.opts.setup(this.enqueue, this);
    this.running = runWorkers(this.queue, this.opts.workers ?? 2, (key) => this.opts.reconcile(key), {
      onError: (err, key) => this.opts.ctx.log.error(`${this.name}: reconciling ${key} failed (will retry)`, err),
    });
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.running;
  }
}

/** "ns/name" (or "name" for cluster-scoped objects). */
export function keyOf(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i === -1 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
