// Events the agent records about pods and its node, as kubelet does
// (source.component "kubelet", source.host the node), through the client's
// shared recorder; failures never reach the pod workers.

import { ClientEventRecorder, type Client, type EventTarget } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';

export type { EventTarget as EventObject } from '../../client/index.js';

export class AgentEventRecorder extends ClientEventRecorder {
  constructor(client: Client, nodeName: string, clock: Clock) {
    super(client, { component: 'kubelet', host: nodeName }, clock);
  }

  /** The agent's objects are core/v1 (pods, nodes) unless they say otherwise. */
  override event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    super.event({ ...obj, apiVersion: obj.apiVersion ?? 'v1' }, type, reason, message, fieldPath);
  }
}
