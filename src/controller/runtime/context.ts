// What every controller is given: the client, shared informers, a clock, an
// event recorder and a logger. Controllers reach the cluster only through
// these, exactly as kube controllers only use client-go.

import type { Client, InformerFactory } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';
import type { EventRecorder } from './events.js';

export interface Logger {
  info(message: string): void;
  error(message: string, err?: unknown): void;
}

export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  recorder: EventRecorder;
  log: Logger;
}

/** A controller: started once its informers are registered, stopped on shutdown. */
export interface Controller {
  readonly name: string;
  /** Register handlers and start workers; informers are started by the manager afterwards. */
  start(): void;
  stop(): Promise<void>;
}

export const consoleLogger = (component: string): Logger => ({
  info: (m) => console.log(`${component}: ${m}`),
  error: (m, err) => console.error(`${component}: ${m}`, err ?? ''),
});
