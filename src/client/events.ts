// Events about objects, as kube's EventRecorder writes them: one core/v1
// Event per (object, field, reason, message), whose count and lastTimestamp
// go up when it repeats, so `kubectl describe` shows what a component did.
// Written in the background, in order; failures go to `onError`, never to
// the caller. Controllers and the node agent both record through this.

import type { Client } from './client.js';
import { apiTime as timestamp } from '../util/time.js';

export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventSource {
  /** e.g. "gitplane-controller-manager", "kubelet". */
  component: string;
  /** The node, for node agents. */
  host?: string;
}


export class ClientEventRecorder {
  private readonly recent = new Map<string, { name: string; count: number }>();
  private chain: Promise<void> = Promise.resolve();
  private readonly source: EventSource;

  constructor(
    private readonly client: Client,
    source: string | EventSource,
    private readonly clock: { now(): number },
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.source = typeof source === 'string' ? { component: source } : source;
  }

  event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = `${namespace}/${obj.kind}/${meta.name}/${meta.uid}/${fieldPath ?? ''}/${reason}/${message}`;
    this.chain = this.chain.then(() => this.write(key, namespace, obj, type, reason, message, fieldPath)).catch(this.onError);
  }

  private async write(key: string, namespace: string, obj: EventTarget, type: string, reason: string, message: string, fieldPath?: string): Promise<void> {
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
    const { component, host } = this.source;
    const created = await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${meta.name ?? 'event'}.`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component, ...(host ? { host } : {}) },
      reportingComponent: component,
      ...(host ? { reportingInstance: host } : {}),
    } as never);
    if (this.recent.size > 4096) this.recent.clear();
    this.recent.set(key, { name: (created as { metadata?: { name?: string } }).metadata?.name ?? '', count: 1 });
  }

  /** Wait for the events queued so far. */
  async flush(): Promise<void> {
    await this.chain;
  }
}
