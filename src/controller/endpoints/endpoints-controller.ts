// The endpoints controller, after kube's pkg/controller/endpoint: for every
// Service with a selector, an Endpoints object of the same name listing the
// selected pods' IPs and ports (ready pods in `addresses`, the others in
// `notReadyAddresses`). Handlers only enqueue Service keys; syncService reads
// the caches, computes the subsets and writes only when they differ. A
// deleted Service takes its Endpoints with it; Services without a selector
// are left to whoever manages their Endpoints.

import type { Endpoints, Pod, Service } from '../../api/generated/index.js';
import { selectorFromSet } from '../../api/labels.js';
import { deepEqual } from '../../api/patch/json.js';
import { DeletedFinalStateUnknown, isNotFound, type Lister } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import { computeSubsets, withoutResourceVersions } from './subsets.js';

/** When the change that led to this version of the Endpoints happened. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Endpoints used as a leader-election lock (kube skips them when cleaning up). */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** kube labels the Endpoints of headless Services so kube-proxy can skip them. */
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface EndpointsControllerOptions {
  workers?: number;
}

type Obj<T> = T | DeletedFinalStateUnknown<T>;

function unwrap<T>(obj: Obj<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** A Service whose selector is set and not empty: the only kind this controller manages. */
function hasSelector(service: Service): boolean {
  return !!service.spec?.selector && Object.keys(service.spec.selector).length > 0;
}

function timeOf(t: string | undefined): number {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** A pod's trigger time: when its readiness last changed (kube's getPodTriggerTime). */
function podTriggerTime(pod: Pod): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
}

/**
 * After kube's TriggerTimeTracker: the earliest change (pod readiness transition, or the
 * Service's creation) not yet reflected in an Endpoints write for that Service.
 */
export class TriggerTimeTracker {
  private readonly state = new Map<string, { service: number; pods: Map<string, number> }>();

  compute(key: string, service: Service, pods: readonly Pod[]): string | undefined {
    const prev = this.state.get(key) ?? { service: 0, pods: new Map<string, number>() };
    const next = { service: prev.service, pods: new Map<string, number>() };
    let min: { ms: number; text: string } | undefined;
    const consider = (text: string | undefined, last: number): number => {
      const ms = timeOf(text);
      if (text && ms > last && (!min || ms < min.ms)) min = { ms, text };
      return Math.max(ms, last);
    };
    next.service = consider(service.metadata?.creationTimestamp, prev.service);
    for (const pod of pods) {
      const name = pod.metadata?.name ?? '';
      next.pods.set(name, consider(podTriggerTime(pod), prev.pods.get(name) ?? 0));
    }
    this.state.set(key, next);
    return (min as { text: string } | undefined)?.text;
  }

  forget(key: string): void {
    this.state.delete(key);
  }
}

export function newEndpointsController(ctx: ControllerContext, opts: EndpointsControllerOptions = {}): Controller {
  const services = ctx.informers.informerFor<Service>('v1', 'Service');
  const pods = ctx.informers.informerFor<Pod>('v1', 'Pod');
  const endpoints = ctx.informers.informerFor<Endpoints>('v1', 'Endpoints');
  const serviceLister: Lister<Service> = services.lister();
  const podLister: Lister<Pod> = pods.lister();
  const endpointsLister: Lister<Endpoints> = endpoints.lister();
  const triggers = new TriggerTimeTracker();
  let synced = false;

  /** Every Service (with a selector) in the pod's namespace that selects it. */
  const servicesFor = (pod: Pod): string[] => {
    const ns = pod.metadata?.namespace ?? '';
    return serviceLister
      .namespace(ns)
      .list()
      .filter((s) => hasSelector(s) && selectorFromSet(s.spec!.selector).matches(pod.metadata?.labels))
      .map(keyOf);
  };

  async function syncService(key: string): Promise<void> {
    const { namespace = '', name } = splitKey(key);
    const service = serviceLister.get(namespace, name);
    const client = ctx.client.endpoints.namespace(namespace);
    if (!service) {
      // The Service is gone: so are its Endpoints.
      triggers.forget(key);
      try {
        await client.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!hasSelector(service)) return;

    const selector = selectorFromSet(service.spec!.selector);
    const selected = podLister.namespace(namespace).list((p) => selector.matches(p.metadata?.labels));
    const subsets = computeSubsets(service, selected);
    const triggerTime = triggers.compute(key, service, selected);

    const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
    if (service.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
    else delete labels[HEADLESS_LABEL];

    const current = endpointsLister.get(namespace, name);
    if (current && deepEqual(withoutResourceVersions(current.subsets), withoutResourceVersions(subsets)) && deepEqual(current.metadata?.labels ?? {}, labels)) {
      return; // nothing to write
    }

    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = triggerTime;
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    const body: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...(current?.metadata ?? {}),
        name,
        namespace,
        labels,
        annotations,
      },
      subsets,
    };
    if (Object.keys(annotations).length === 0) delete body.metadata.annotations;
    if (Object.keys(labels).length === 0) delete body.metadata.labels;
    try {
      if (current) await client.update(body);
      else await client.create(body);
    } catch (err) {
      // The Service's namespace is going away: nothing to do (kube skips this too).
      if ((err as { code?: number }).code === 403 && /being terminated/.test(String((err as Error).message))) return;
      ctx.recorder.event(service, 'Warning', current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint', `Failed to ${current ? 'update' : 'create'} endpoint ${key}: ${(err as Error).message}`);
      throw err;
    }
  }

  const controller = new QueueController({
    name: 'endpoints-controller',
    ctx,
    workers: opts.workers ?? 2,
    reconcile: async (key) => {
      if (!synced) return { requeueAfterMs: 50 };
      await syncService(key);
    },
    setup(enqueue) {
      services.addEventHandler({
        onAdd: (s) => enqueue(keyOf(s)),
        onUpdate: (_, s) => enqueue(keyOf(s)),
        onDelete: (s) => enqueue(keyOf(unwrap(s))),
      });
      pods.addEventHandler({
        onAdd: (p) => servicesFor(p).forEach(enqueue),
        onUpdate: (oldPod, newPod) => {
          if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return; // resync
          for (const key of new Set([...servicesFor(oldPod), ...servicesFor(newPod)])) enqueue(key);
        },
        onDelete: (p) => servicesFor(unwrap(p)).forEach(enqueue),
      });
      endpoints.addEventHandler({
        // Endpoints left over from Services deleted while we were not running (checkLeftoverEndpoints).
        onAdd: (e, initial) => {
          if (initial && !e.metadata?.annotations?.[LEADER_ANNOTATION]) enqueue(keyOf(e));
        },
        // Someone deleted Endpoints we manage: put them back.
        onDelete: (e) => enqueue(keyOf(unwrap(e))),
      });
      void Promise.all([services.waitForSync(), pods.waitForSync(), endpoints.waitForSync()]).then((ok) => {
        synced = ok.every(Boolean);
      });
    },
  });
  return controller;
}
