// Events the agent records about pods and its node, as kubelet does
// (source.component "kubelet", source.host the node): one Event per
// (object, reason, message) whose count goes up when it repeats. Written in
// the background; failures never reach the pod workers.

import type { Client } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';
import { apiTime } from '../simulated/node-object.js';

export interface EventObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export class AgentEventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number }>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly nodeName: string,
    private readonly clock: Clock,
  ) {}

  event(obj: EventObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = `${namespace}/${obj.kind}/${meta.name}/${meta.uid}/${fieldPath ?? ''}/${reason}/${message}`;
    this.chain = this.chain.then(() => this.write(key, namespace, obj, type, reason, message, fieldPath)).catch(() => undefined);
  }

  private async write(key: string, namespace: string, obj: EventObject, type: string, reason: string, message: string, fieldPath?: string): Promise<void> {
    const events = this.client.events.namespace(namespace);
    const now = apiTime(this.clock.now());
    const seen = this.recent.get(key);
    if (seen) {
      seen.count++;
      try {
        await events.patch(seen.name, { count: seen.count, lastTimestamp: now }, 'merge');
        return;
      } catch {
        this.recent.delete(key);
      }
    }
    const meta = obj.metadata ?? {};
    const created = await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${meta.name ?? 'event'}.`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion ?? 'v1',
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'kubelet', host: this.nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: this.nodeName,
    } as never);
    if (this.recent.size > 4096) this.recent.clear();
    this.recent.set(key, { name: (created as { metadata?: { name?: string } }).metadata?.name ?? '', namespace, count: 1 });
  }

  /** Wait for the events queued so far. */
  flush(): Promise<void> {
    return this.chain;
  }
}
