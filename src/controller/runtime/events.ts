// The event recorder controllers are given (it lives in the client, which the
// node agent shares), and an in-memory one for unit tests.

import type { EventTarget } from '../../client/index.js';

export { ClientEventRecorder, type EventTarget } from '../../client/index.js';

export interface EventRecorder {
  event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Records into an array (unit tests). */
export class FakeRecorder implements EventRecorder {
  readonly events: Array<{ kind?: string; name?: string; type: string; reason: string; message: string }> = [];
  event(obj: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ kind: obj.kind, name: obj.metadata?.name, type, reason, message });
  }
}
