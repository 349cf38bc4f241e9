// The controller manager: every controller (and, when asked, the scheduler's
// sibling process wiring stays in cmd/) sharing one informer factory, run
// only while this process holds the leader Lease, so two replicas can run
// safely and one takes over within the lease time when the other dies.

import { InformerFactory, type Client } from '../client/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { newCronJobController } from './cronjob/index.js';
import { newDaemonSetController } from './daemonset/index.js';
import { newDeploymentController } from './deployment/index.js';
import { newEndpointsController } from './endpoints/index.js';
import { newGarbageCollectorController } from './garbagecollector/index.js';
import { newJobController, newTTLAfterFinishedController } from './job/index.js';
import { runLeaderElection } from './leaderelection/index.js';
import { newNodeLifecycleController } from './nodelifecycle/index.js';
import { newPodGCController } from './podgc/index.js';
import { newReplicaSetController } from './replicaset/index.js';
import { ClientEventRecorder } from './runtime/events.js';
import { consoleLogger, type Controller, type ControllerContext, type Logger } from './runtime/context.js';

/** Each controller defines its own options type; the registry passes them through. */
type Options = any;

/** Every controller by the name kube-controller-manager's --controllers flag uses. */
export const CONTROLLERS: Record<string, (ctx: ControllerContext, opts?: Options) => Controller> = {
  replicaset: (ctx, o) => newReplicaSetController(ctx, o),
  deployment: (ctx, o) => newDeploymentController(ctx, o),
  daemonset: (ctx, o) => newDaemonSetController(ctx, o),
  job: (ctx, o) => newJobController(ctx, o),
  'ttl-after-finished': (ctx, o) => newTTLAfterFinishedController(ctx, o),
  cronjob: (ctx, o) => newCronJobController(ctx, o),
  endpoint: (ctx, o) => newEndpointsController(ctx, o),
  garbagecollector: (ctx, o) => newGarbageCollectorController(ctx, o),
  nodelifecycle: (ctx, o) => newNodeLifecycleController(ctx, o),
  podgc: (ctx, o) => newPodGCController(ctx, o),
};

export interface ManagerOptions {
  client: Client;
  clock?: Clock;
  /** Names from CONTROLLERS (default: all). */
  controllers?: string[];
  /** Options per controller name, e.g. { nodelifecycle: { nodeMonitorGracePeriodMs: 2000 } }. */
  controllerOptions?: Record<string, Options>;
  /** Extra controllers to run alongside (the scheduler in `gitplane up`). */
  extra?: Array<(ctx: ControllerContext) => Controller>;
  /** Elect a leader on this Lease before running anything (default: on). */
  leaderElection?: { identity: string; name?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number } | false;
  log?: Logger;
  component?: string;
}

export interface RunningManager {
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Start the controllers (once leading) and return a handle to stop them. */
export function startControllerManager(opts: ManagerOptions): RunningManager {
  const clock = opts.clock ?? systemClock;
  const component = opts.component ?? 'gitplane-controller-manager';
  const log = opts.log ?? consoleLogger(component);
  const names = opts.controllers ?? Object.keys(CONTROLLERS);
  for (const n of names) if (!CONTROLLERS[n]) throw new Error(`unknown controller "${n}" (known: ${Object.keys(CONTROLLERS).join(', ')})`);

  let running: { informers: InformerFactory; controllers: Controller[] } | undefined;
  const startAll = (): void => {
    const informers = new InformerFactory(opts.client, { clock, onError: (err) => log.error('informer error', err) });
    const ctx: ControllerContext = {
      client: opts.client,
      informers,
      clock,
      recorder: new ClientEventRecorder(opts.client, component, clock, (err) => log.error('writing an event failed', err)),
      log,
    };
    const controllers = [...names.map((n) => CONTROLLERS[n](ctx, opts.controllerOptions?.[n])), ...(opts.extra ?? []).map((f) => f(ctx))];
    for (const c of controllers) c.start();
    informers.start();
    running = { informers, controllers };
    log.info(`running ${controllers.map((c) => c.name).join(', ')}`);
  };
  const stopAll = async (): Promise<void> => {
    const r = running;
    running = undefined;
    if (!r) return;
    await Promise.all(r.controllers.map((c) => c.stop()));
    await r.informers.stop();
  };

  if (opts.leaderElection === false) {
    startAll();
    return { isLeader: () => true, stop: stopAll };
  }
  const le = opts.leaderElection ?? { identity: `${component}-${process.pid}` };
  const election = runLeaderElection({
    client: opts.client,
    clock,
    name: le.name ?? component,
    identity: le.identity,
    leaseDurationMs: le.leaseDurationMs,
    renewDeadlineMs: le.renewDeadlineMs,
    retryPeriodMs: le.retryPeriodMs,
    onStartedLeading: () => {
      log.info(`${le.identity} became the leader`);
      startAll();
    },
    onStoppedLeading: () => {
      log.info(`${le.identity} stopped leading`);
      void stopAll();
    },
  });
  return {
    isLeader: () => election.isLeader(),
    async stop() {
      await stopAll();
      await election.stop();
    },
  };
}
