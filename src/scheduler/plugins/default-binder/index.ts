// DefaultBinder: bind the pod to the node through the pods/binding
// subresource, as kube's DefaultBinder does. Failures come back as an Error
// status; nothing is thrown.

import type { Client } from '../../../client/index.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { BindPlugin } from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { PodInfo } from '../../framework/types.js';

export const NAME = 'DefaultBinder';

/** The one call the binder needs (a Client's pods has it). */
export interface PodBinder {
  bind(namespace: string, name: string, nodeName: string, uid: string | undefined): Promise<void>;
}

export function clientBinder(client: Client): PodBinder {
  return {
    bind: (namespace, name, nodeName, uid) => client.pods.namespace(namespace).bind(name, nodeName, uid ? { uid } : {}),
  };
}

export class DefaultBinder implements BindPlugin {
  readonly name = NAME;

  constructor(private readonly binder: PodBinder) {}

  async bind(_state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    try {
      await this.binder.bind(pod.namespace, pod.name, nodeName, pod.pod.metadata?.uid);
      return Status.SUCCESS;
    } catch (err) {
      return Status.error(err).withPlugin(NAME);
    }
  }
}
