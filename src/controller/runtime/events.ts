// Events about objects, as kube's EventRecorder writes them: one core/v1
// Event per (object, reason, message), whose count and lastTimestamp go up
// when it repeats, so `kubectl describe` shows what a controller did.

import type { Client } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';

export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
  event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Writes events in the background; failures are logged, never thrown at the controller. */
export class ClientEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, { name: string; count: number }>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly component: string,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = `${namespace}/${obj.kind}/${meta.name}/${meta.uid}/${reason}/${message}`;
    this.chain = this.chain.then(() => this.write(key, namespace, obj, type, reason, message)).catch(this.onError);
  }

  private async write(key: string, namespace: string, obj: EventTarget, type: string, reason: string, message: string): Promise<void> {
    const events = this.client.events.namespace(namespace);
    const now = timestamp(this.clock.now());
    const seen = this.recent.get(key);
    if (seen) {
      seen.count++;
      try {
        await events.patch(seen.name, { count: seen.count, lastTimestamp: now }, 'merge');
        return;
      } catch {
        this.recent.delete(key); // expired or deleted: write a new one
      }
    }
    const meta = obj.metadata ?? {};
    const created = await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${meta.name ?? 'event'}.`, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.component },
      reportingComponent: this.component,
    } as never);
    if (this.recent.size > 4096) this.recent.clear();
    this.recent.set(key, { name: (created as { metadata?: { name?: string } }).metadata?.name ?? '', count: 1 });
  }

  /** Wait for queued events (tests). */
  async flush(): Promise<void> {
    await this.chain;
  }
}

/** Records into an array (unit tests). */
export class FakeRecorder implements EventRecorder {
  readonly events: Array<{ kind?: string; name?: string; type: string; reason: string; message: string }> = [];
  event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ kind: obj.kind, name: obj.metadata?.name, type, reason, message });
  }
}
