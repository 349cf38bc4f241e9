// The DaemonSet controller, after kube's pkg/controller/daemon: one daemon pod
// on every node that should run one (node name, nodeSelector, required node
// affinity, tolerated NoSchedule/NoExecute taints), none elsewhere. Pods are
// pinned with required node affinity on metadata.name and bound by the
// scheduler, as since kube 1.12. Rolling updates replace pods whose
// `controller-revision-hash` label differs from the template's hash while at
// most maxUnavailable desired nodes lack an available pod; OnDelete only
// replaces pods the user deletes.
//
// Differences from kube: no ControllerRevision objects (the hash is computed
// from the template each sync, so there is no rollback history); maxSurge is
// treated as 0; daemon pods on nodes that no longer exist are force-deleted
// here rather than by a separate pod GC controller.

import type { DaemonSet, DaemonSetStatus, Node, Pod } from '../../api/generated/index.js';
import { selectorFromLabelSelector, type Selector } from '../../api/labels.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, type Lister } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { Expectations } from '../runtime/expectations.js';
import { controllerRef, newControllerRef, type OwnerReference } from '../runtime/owner.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import {
  addDaemonPodTolerations,
  availableAt,
  compareDaemonPods,
  computeHash,
  DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY,
  isPodAvailable,
  isPodReady,
  nodeShouldRunDaemonPod,
  replaceNodeNameAffinity,
  scaledValue,
  targetNodeName,
} from './util.js';

export interface DaemonSetControllerOptions {
  workers?: number;
  /** Most pods created or deleted by one sync (kube's BurstReplicas, 250). */
  burstReplicas?: number;
  /** First delay before a failed daemon pod on a node is replaced again (doubles up to the max). */
  failedPodBackoffMs?: number;
  failedPodMaxBackoffMs?: number;
}

const CONTROLLER_NAME = 'daemonset-controller';
const DS_API_VERSION = 'apps/v1';
const DS_KIND = 'DaemonSet';

interface BackoffEntry {
  delay: number;
  at: number;
}

export function newDaemonSetController(ctx: ControllerContext, opts: DaemonSetControllerOptions = {}): Controller {
  const burstReplicas = opts.burstReplicas ?? 250;
  const backoffBase = opts.failedPodBackoffMs ?? 1000;
  const backoffMax = opts.failedPodMaxBackoffMs ?? 15 * 60_000;
  const { client, clock, recorder } = ctx;

  const dsInformer = ctx.informers.informerFor<DaemonSet>(DS_API_VERSION, DS_KIND);
  const podInformer = ctx.informers.informerFor<Pod>('v1', 'Pod');
  const nodeInformer = ctx.informers.informerFor<Node>('v1', 'Node');
  const dsLister: Lister<DaemonSet> = dsInformer.lister();
  const podLister: Lister<Pod> = podInformer.lister();
  const nodeLister: Lister<Node> = nodeInformer.lister();
  const expectations = new Expectations(clock);
  /** Failed-pod backoff per "ds-key/node". */
  const failedPodsBackoff = new Map<string, BackoffEntry>();
  /** Pods whose deletion (a deletionTimestamp) was already observed, so the final DELETE does not count twice. */
  const deletionSeen = new Set<string>();

  let controller: QueueController;

  const ownerKey = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== DS_KIND) return undefined;
    const ds = dsLister.get(pod.metadata?.namespace ?? '', ref.name);
    if (!ds || ds.metadata?.uid !== ref.uid) return undefined;
    return keyOf(ds);
  };

  /** DaemonSets that select an orphan pod (so they may adopt it). */
  const selectingDaemonSets = (pod: Pod): DaemonSet[] =>
    dsLister
      .namespace(pod.metadata?.namespace ?? '')
      .list()
      .filter((ds) => {
        const sel = selectorOf(ds);
        return !sel.empty() && sel.matches(pod.metadata?.labels);
      });

  const observeDeletion = (pod: Pod): void => {
    const uid = pod.metadata?.uid ?? '';
    const key = ownerKey(pod);
    if (deletionSeen.has(uid)) return;
    deletionSeen.add(uid);
    if (deletionSeen.size > 100_000) deletionSeen.clear();
    if (key) {
      expectations.deletionObserved(key);
      controller.enqueue(key);
    }
  };

  const onPodAdd = (pod: Pod): void => {
    if (pod.metadata?.deletionTimestamp) {
      observeDeletion(pod);
      return;
    }
    const key = ownerKey(pod);
    if (key) {
      expectations.creationObserved(key);
      controller.enqueue(key);
      return;
    }
    if (!controllerRef(pod)) for (const ds of selectingDaemonSets(pod)) controller.enqueue(keyOf(ds));
  };

  const onPodUpdate = (oldPod: Pod, pod: Pod): void => {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp) observeDeletion(pod);
    const oldRef = controllerRef(oldPod);
    const ref = controllerRef(pod);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const oldKey = ownerKey(oldPod);
      if (oldKey) controller.enqueue(oldKey);
    }
    const key = ownerKey(pod);
    if (key) {
      controller.enqueue(key);
      return;
    }
    if (!ref) for (const ds of selectingDaemonSets(pod)) controller.enqueue(keyOf(ds));
  };

  const onPodDelete = (obj: Pod | DeletedFinalStateUnknown<Pod>): void => {
    const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    const uid = pod.metadata?.uid ?? '';
    const key = ownerKey(pod);
    if (deletionSeen.delete(uid)) {
      if (key) controller.enqueue(key);
      return;
    }
    if (key) {
      expectations.deletionObserved(key);
      controller.enqueue(key);
    }
  };

  const enqueueAll = (): void => {
    for (const ds of dsLister.list()) controller.enqueue(keyOf(ds));
  };

  const nodeChanged = (a: Node, b: Node): boolean =>
    JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {}) ||
    JSON.stringify(a.spec ?? {}) !== JSON.stringify(b.spec ?? {});

  async function syncDaemonSet(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const { namespace = '', name } = splitKey(key);
    const cached = dsLister.get(namespace, name);
    if (!cached) {
      expectations.delete(key);
      for (const k of failedPodsBackoff.keys()) if (k.startsWith(`${key}/`)) failedPodsBackoff.delete(k);
      return undefined;
    }
    const ds = structuredClone(cached);
    if (ds.metadata?.deletionTimestamp) return undefined;
    const nodes = nodeLister.list();
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const nodeToDaemonPods = groupByNode(await claimPods(ds));
    const requeue: number[] = [];

    if (expectations.satisfied(key)) {
      await manage(key, ds, nodes, nodeToDaemonPods, hash, requeue);
      if (expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        // Read the cache again: creations made above may already be observed.
        await rollingUpdate(key, ds, nodes, groupByNode(podsOf(ds)), hash);
      }
    }

    await updateStatus(ds, nodes, groupByNode(podsOf(ds)), hash, requeue);
    const delay = requeue.length ? Math.max(1, Math.min(...requeue)) : undefined;
    return delay !== undefined ? { requeueAfterMs: delay } : undefined;
  }

  function selectorOf(ds: DaemonSet): Selector {
    return selectorFromLabelSelector(ds.spec?.selector ?? {});
  }

  /** Pods the DaemonSet controls (and still selects), from the cache. */
  function podsOf(ds: DaemonSet): Pod[] {
    const sel = selectorOf(ds);
    return podLister
      .namespace(ds.metadata?.namespace ?? '')
      .list()
      .filter((p) => !!ds.metadata?.uid && controllerRef(p)?.uid === ds.metadata.uid && sel.matches(p.metadata?.labels));
  }

  /**
   * Adopt selected orphans and release controlled pods that are no longer selected
   * (kube's ClaimPods), then return the pods it controls.
   */
  async function claimPods(ds: DaemonSet): Promise<Pod[]> {
    const sel = selectorOf(ds);
    const ns = ds.metadata?.namespace ?? '';
    const podClient = client.pods.namespace(ns);
    const owned: Pod[] = [];
    for (const pod of podLister.namespace(ns).list()) {
      const ref = controllerRef(pod);
      const matches = !sel.empty() && sel.matches(pod.metadata?.labels);
      if (ref && ref.uid === ds.metadata?.uid) {
        if (matches) owned.push(pod);
        else if (!pod.metadata?.deletionTimestamp) {
          await podClient
            .patch(pod.metadata!.name!, { metadata: { uid: pod.metadata?.uid, ownerReferences: [{ $patch: 'delete', uid: ref.uid }] } }, 'strategic')
            .catch(ignoreNotFound);
        }
      } else if (!ref && matches && !pod.metadata?.deletionTimestamp && !ds.metadata?.deletionTimestamp) {
        const refs: OwnerReference[] = [...(pod.metadata?.ownerReferences ?? []), newControllerRef(dsWithType(ds))];
        try {
          const adopted = await podClient.patch(pod.metadata!.name!, { metadata: { uid: pod.metadata?.uid, ownerReferences: refs, resourceVersion: pod.metadata?.resourceVersion } }, 'merge');
          owned.push(adopted);
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
    }
    return owned;
  }

  function groupByNode(pods: Pod[]): Map<string, Pod[]> {
    const byNode = new Map<string, Pod[]>();
    for (const pod of pods) {
      const node = targetNodeName(pod);
      if (!node) continue;
      // A pod that finished and is being deleted no longer occupies its node.
      if (pod.metadata?.deletionTimestamp && isTerminal(pod)) continue;
      const list = byNode.get(node) ?? [];
      list.push(pod);
      byNode.set(node, list);
    }
    return byNode;
  }

  async function manage(key: string, ds: DaemonSet, nodes: Node[], nodeToDaemonPods: Map<string, Pod[]>, hash: string, requeue: number[]): Promise<void> {
    const nodesNeedingPods: string[] = [];
    const podsToDelete: Pod[] = [];
    const now = clock.now();
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const daemonPods = nodeToDaemonPods.get(nodeName) ?? [];
      const exists = daemonPods.length > 0;
      if (shouldRun && !exists) {
        nodesNeedingPods.push(nodeName);
      } else if (shouldContinueRunning && exists) {
        const running: Pod[] = [];
        for (const pod of daemonPods) {
          if (pod.metadata?.deletionTimestamp) continue;
          if (pod.status?.phase === 'Failed') {
            // Avoid hot-looping against a node agent that keeps rejecting the pod.
            const backoffKey = `${key}/${nodeName}`;
            const entry = failedPodsBackoff.get(backoffKey);
            if (entry && now < entry.at + entry.delay) {
              requeue.push(entry.at + entry.delay - now);
              continue;
            }
            failedPodsBackoff.set(backoffKey, { delay: entry ? Math.min(entry.delay * 2, backoffMax) : backoffBase, at: now });
            recorder.event(dsWithType(ds), 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}, will try to kill it`);
            podsToDelete.push(pod);
          } else if (pod.status?.phase === 'Succeeded') {
            podsToDelete.push(pod);
          } else {
            running.push(pod);
          }
        }
        // Without surge, one pod per node: keep the oldest.
        if (running.length > 1) {
          running.sort(compareDaemonPods);
          podsToDelete.push(...running.slice(1));
        }
      } else if (!shouldContinueRunning && exists) {
        for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) podsToDelete.push(pod);
      }
    }

    // Daemon pods for nodes that are gone: force-delete them (kube leaves bound
    // ones to the pod GC controller); not counted in expectations, since no
    // creation decision depends on them.
    const nodeNames = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    const podClient = client.pods.namespace(ds.metadata?.namespace ?? '');
    for (const [nodeName, pods] of nodeToDaemonPods) {
      if (nodeNames.has(nodeName)) continue;
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0) continue;
        await podClient.delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } }).catch(ignoreNotFoundOrConflict);
        recorder.event(dsWithType(ds), 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
      }
    }

    await syncNodes(key, ds, podsToDelete, nodesNeedingPods, hash);
  }

  /** Create daemon pods for `nodes` (slow start: 1, 2, 4, ...) and delete `podsToDelete`. */
  async function syncNodes(key: string, ds: DaemonSet, podsToDelete: Pod[], nodesNeedingPods: string[], hash: string): Promise<void> {
    const createDiff = Math.min(nodesNeedingPods.length, burstReplicas);
    const deleteDiff = Math.min(podsToDelete.length, burstReplicas);
    if (createDiff === 0 && deleteDiff === 0) return;
    expectations.expect(key, createDiff, deleteDiff);
    const ns = ds.metadata?.namespace ?? '';
    const podClient = client.pods.namespace(ns);
    const errors: unknown[] = [];

    const toCreate = nodesNeedingPods.slice(0, createDiff);
    let pos = 0;
    let batch = 1;
    while (pos < toCreate.length) {
      const chunk = toCreate.slice(pos, pos + batch);
      pos += chunk.length;
      const results = await Promise.allSettled(chunk.map((nodeName) => podClient.create(newDaemonPod(ds, nodeName, hash))));
      let failed = 0;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          recorder.event(dsWithType(ds), 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name}`);
        } else {
          failed++;
          expectations.lowerExpectations(key, 1, 0);
          errors.push(r.reason);
          recorder.event(dsWithType(ds), 'Warning', 'FailedCreate', `Error creating pod on node ${chunk[i]}: ${(r.reason as Error)?.message ?? r.reason}`);
        }
      });
      if (failed > 0) {
        // Stop on errors; the pods not attempted will not be observed either.
        expectations.lowerExpectations(key, toCreate.length - pos, 0);
        break;
      }
      batch *= 2;
    }

    const results = await Promise.allSettled(
      podsToDelete.slice(0, deleteDiff).map((pod) => podClient.delete(pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } }).then(() => pod)),
    );
    for (const r of results) {
      if (r.status === 'fulfilled') {
        recorder.event(dsWithType(ds), 'Normal', 'SuccessfulDelete', `Deleted pod: ${r.value.metadata?.name}`);
      } else {
        expectations.lowerExpectations(key, 0, 1);
        if (!isNotFound(r.reason)) errors.push(r.reason);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
    const template = structuredClone(ds.spec?.template ?? {});
    const spec = template.spec ?? { containers: [] };
    spec.tolerations = addDaemonPodTolerations(spec);
    replaceNodeNameAffinity(spec, nodeName);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata?.name}-`,
        namespace: ds.metadata?.namespace,
        labels: { ...(template.metadata?.labels ?? {}), [DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY]: hash },
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ...(template.metadata?.finalizers ? { finalizers: template.metadata.finalizers } : {}),
        ownerReferences: [newControllerRef(dsWithType(ds))],
      },
      spec,
    };
  }

  /**
   * Without surge: delete old pods on as many nodes as maxUnavailable allows
   * (old unavailable pods always); the next sync's manage creates the new ones
   * once the old are gone. kube's rollingUpdate, maxSurge 0 branch.
   */
  async function rollingUpdate(key: string, ds: DaemonSet, nodes: Node[], nodeToDaemonPods: Map<string, Pod[]>, hash: string): Promise<void> {
    const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
    const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
    let maxUnavailable = scaledValue(ru.maxUnavailable, desired, 1);
    const maxSurge = scaledValue(ru.maxSurge, desired, 0);
    if (maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    const now = clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const nodeNames = new Set(nodes.map((n) => n.metadata?.name ?? ''));

    let numUnavailable = 0;
    const allowedReplacement: Pod[] = [];
    const candidates: Pod[] = [];
    for (const [nodeName, pods] of nodeToDaemonPods) {
      if (!nodeNames.has(nodeName)) continue;
      const found = findUpdatedPodsOnNode(pods, hash);
      if (!found) {
        numUnavailable++;
        continue;
      }
      const { newPod, oldPod } = found;
      if ((!oldPod && !newPod) || (oldPod && newPod)) {
        numUnavailable++;
      } else if (newPod) {
        if (!isPodAvailable(newPod, minReady, now)) numUnavailable++;
      } else if (oldPod) {
        if (!isPodAvailable(oldPod, minReady, now)) allowedReplacement.push(oldPod);
        else if (numUnavailable < maxUnavailable) candidates.push(oldPod);
      }
    }
    const remaining = Math.max(0, Math.min(maxUnavailable - numUnavailable, candidates.length));
    const toDelete = [...allowedReplacement, ...candidates.slice(0, remaining)];
    await syncNodes(key, ds, toDelete, [], hash);
  }

  function findUpdatedPodsOnNode(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
    let newPod: Pod | undefined;
    let oldPod: Pod | undefined;
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp) continue;
      if (pod.metadata?.labels?.[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY] === hash) {
        if (newPod) return undefined;
        newPod = pod;
      } else {
        if (oldPod) return undefined;
        oldPod = pod;
      }
    }
    return { newPod, oldPod };
  }

  async function updateStatus(ds: DaemonSet, nodes: Node[], nodeToDaemonPods: Map<string, Pod[]>, hash: string, requeue: number[]): Promise<void> {
    const now = clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = [...(nodeToDaemonPods.get(node.metadata?.name ?? '') ?? [])];
      const scheduled = pods.length > 0;
      if (!shouldRun) {
        if (scheduled) misscheduled++;
        continue;
      }
      desired++;
      if (!scheduled) continue;
      current++;
      pods.sort(compareDaemonPods);
      const pod = pods[0];
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
        else {
          const at = availableAt(pod, minReady);
          if (at !== undefined) requeue.push(at - now);
        }
      }
      if (pod.metadata?.labels?.[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY] === hash) updated++;
    }
    const status: DaemonSetStatus = {
      ...(ds.status ?? {}),
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      numberAvailable: available,
      numberUnavailable: desired - available,
      updatedNumberScheduled: updated,
      observedGeneration: ds.metadata?.generation ?? ds.status?.observedGeneration,
    };
    if (!status.numberUnavailable) delete status.numberUnavailable;
    if (sameStatus(ds.status, status)) return;
    const dsClient = client.daemonSets.namespace(ds.metadata?.namespace ?? '');
    try {
      await dsClient.updateStatus({ ...ds, status });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      const fresh = await dsClient.get(ds.metadata!.name!);
      // The counts describe the spec this sync saw; observedGeneration says which.
      await dsClient.updateStatus({ ...fresh, status });
    }
  }

  controller = new QueueController({
    name: CONTROLLER_NAME,
    ctx,
    workers: opts.workers ?? 2,
    reconcile: syncDaemonSet,
    setup(enqueue) {
      dsInformer.addEventHandler({
        onAdd: (ds) => enqueue(keyOf(ds)),
        onUpdate: (_old, ds) => enqueue(keyOf(ds)),
        onDelete: (obj) => {
          const ds = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
          expectations.delete(keyOf(ds));
          enqueue(keyOf(ds));
        },
      });
      podInformer.addEventHandler({ onAdd: onPodAdd, onUpdate: onPodUpdate, onDelete: onPodDelete });
      nodeInformer.addEventHandler({
        onAdd: () => enqueueAll(),
        onUpdate: (a, b) => {
          if (nodeChanged(a, b)) enqueueAll();
        },
        onDelete: () => enqueueAll(),
      });
    },
  });
  return controller;
}

function dsWithType(ds: DaemonSet): DaemonSet {
  return { ...ds, apiVersion: DS_API_VERSION, kind: DS_KIND };
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function sameStatus(a: DaemonSetStatus | undefined, b: DaemonSetStatus): boolean {
  if (!a) return false;
  const keys: Array<keyof DaemonSetStatus> = [
    'desiredNumberScheduled',
    'currentNumberScheduled',
    'numberMisscheduled',
    'numberReady',
    'numberAvailable',
    'numberUnavailable',
    'updatedNumberScheduled',
    'observedGeneration',
  ];
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

function ignoreNotFoundOrConflict(err: unknown): void {
  if (!isNotFound(err) && !isConflict(err)) throw err;
}
