// What the scheduler knows about pods and nodes, parsed once: a PodInfo holds
// a pod's resource requests and compiled affinity terms (parsed when the pod
// enters the queue or the cache, not per node), a NodeInfo holds a node, the
// pods on it (assumed ones included) and the sum of their requests.

import type { Labels, Selector } from '../../api/labels.js';
import { nothing, selectorFromLabelSelector } from '../../api/labels.js';
import type { Container, Node, Pod, PodAffinityTerm, Taint, Toleration, WeightedPodAffinityTerm } from '../../api/generated/index.js';
import { safeMilliValue, safeValue } from '../quantity.js';

/** Defaults kube-scheduler scores with when a container requests nothing (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export const RESOURCE_CPU = 'cpu';
export const RESOURCE_MEMORY = 'memory';
export const RESOURCE_EPHEMERAL_STORAGE = 'ephemeral-storage';
export const RESOURCE_PODS = 'pods';

/** An amount of every resource the scheduler tracks (framework.Resource). */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Extended and other scalar resources (example.com/gpu, hugepages-2Mi), in whole units. */
  scalar: Map<string, number> | undefined;

  static fromList(list: Record<string, string | number> | undefined | null): Resource {
    const r = new Resource();
    if (!list) return r;
    for (const name in list) r.addNamed(name, list[name]);
    return r;
  }

  addNamed(name: string, q: string | number): void {
    switch (name) {
      case RESOURCE_CPU:
        this.milliCPU += safeMilliValue(q);
        break;
      case RESOURCE_MEMORY:
        this.memory += safeValue(q);
        break;
      case RESOURCE_EPHEMERAL_STORAGE:
        this.ephemeralStorage += safeValue(q);
        break;
      case RESOURCE_PODS:
        this.allowedPodNumber += safeValue(q);
        break;
      default:
        this.setScalar(name, this.getScalar(name) + safeValue(q));
    }
  }

  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  setScalar(name: string, v: number): void {
    (this.scalar ??= new Map()).set(name, v);
  }

  add(r: Resource, sign = 1): void {
    this.milliCPU += sign * r.milliCPU;
    this.memory += sign * r.memory;
    this.ephemeralStorage += sign * r.ephemeralStorage;
    this.allowedPodNumber += sign * r.allowedPodNumber;
    if (r.scalar) for (const [k, v] of r.scalar) this.setScalar(k, this.getScalar(k) + sign * v);
  }

  /** Per resource max (for init containers). */
  setMax(r: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, r.milliCPU);
    this.memory = Math.max(this.memory, r.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, r.ephemeralStorage);
    this.allowedPodNumber = Math.max(this.allowedPodNumber, r.allowedPodNumber);
    if (r.scalar) for (const [k, v] of r.scalar) this.setScalar(k, Math.max(this.getScalar(k), v));
  }

  clone(): Resource {
    const c = new Resource();
    c.add(this);
    return c;
  }

  /** Nothing requested at all (pods count excepted). */
  isZero(): boolean {
    if (this.milliCPU !== 0 || this.memory !== 0 || this.ephemeralStorage !== 0) return false;
    if (this.scalar) for (const v of this.scalar.values()) if (v !== 0) return false;
    return true;
  }
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const r = Resource.fromList(c.resources?.requests as Record<string, string> | undefined);
  if (nonZero) {
    const req = c.resources?.requests as Record<string, unknown> | undefined;
    if (!req || req[RESOURCE_CPU] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!req || req[RESOURCE_MEMORY] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * A pod's effective requests (resource.PodRequests): the sum of its app containers and
 * sidecars (init containers with restartPolicy Always), or the largest init container
 * (plus the sidecars started before it) when that is more: max(sum(app), max(init)).
 * With `nonZero`, a container that does not request cpu or memory counts the scheduler's
 * defaults (100m, 200Mi) for it, as scoring does.
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const reqs = new Resource();
  for (const c of pod.spec?.containers ?? []) reqs.add(containerRequests(c, nonZero));
  const restartableInit = new Resource();
  const initMax = new Resource();
  for (const c of pod.spec?.initContainers ?? []) {
    const cr = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      reqs.add(cr);
      restartableInit.add(cr);
      initMax.setMax(restartableInit);
    } else {
      const tmp = cr.clone();
      tmp.add(restartableInit);
      initMax.setMax(tmp);
    }
  }
  reqs.setMax(initMax);
  return reqs;
}

/** A pod (anti-)affinity term, compiled (framework.AffinityTerm). */
export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  /** Matches namespace labels; `nothing` when the term has no namespaceSelector. */
  readonly namespaceSelector: Selector;
  readonly selector: Selector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export type NamespaceLabels = (namespace: string) => Labels | undefined;

/** Whether a term selects `pod` (its namespace listed or selected, and its labels). */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: NamespaceLabels | undefined): boolean {
  if (!term.namespaces.has(pod.namespace)) {
    if (term.namespaceSelector === NOTHING) return false;
    if (!term.namespaceSelector.matches(nsLabels?.(pod.namespace) ?? {})) return false;
  }
  return term.selector.matches(pod.labels);
}

function compileTerm(namespace: string, term: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set(term.namespaces ?? []);
  if (namespaces.size === 0 && (term.namespaceSelector === undefined || term.namespaceSelector === null)) namespaces.add(namespace);
  return {
    namespaces,
    namespaceSelector: selectorFromLabelSelector(term.namespaceSelector ?? null),
    selector: selectorFromLabelSelector(term.labelSelector ?? null),
    topologyKey: term.topologyKey,
  };
}

function compileWeighted(namespace: string, terms: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (terms ?? []).map((t) => ({ ...compileTerm(namespace, t.podAffinityTerm), weight: t.weight }));
}

const NOTHING = nothing();
const EMPTY_LABELS: Labels = Object.freeze({});

/** A pod with what the scheduler needs from it parsed once (framework.PodInfo). */
export class PodInfo {
  readonly key: string;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly priority: number;
  readonly requests: Resource;
  /** Requests with the scheduler's defaults for containers that ask for no cpu/memory (scoring). */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly tolerations: readonly Toleration[];
  readonly requiredAffinityTerms: readonly AffinityTerm[] = [];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[] = [];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[] = [];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[] = [];
  readonly terminating: boolean;
  /** Set when the pod's affinity cannot be parsed (invalid selector): it cannot be scheduled. */
  readonly parseError: string | undefined;

  constructor(readonly pod: Pod) {
    const meta = pod.metadata ?? {};
    this.name = meta.name ?? '';
    this.namespace = meta.namespace ?? '';
    this.key = this.namespace ? `${this.namespace}/${this.name}` : this.name;
    this.uid = meta.uid ?? this.key;
    this.labels = (meta.labels as Labels | undefined) ?? EMPTY_LABELS;
    this.priority = pod.spec?.priority ?? 0;
    this.requests = podRequests(pod);
    const nonZero = podRequests(pod, true);
    this.nonZeroMilliCPU = nonZero.milliCPU;
    this.nonZeroMemory = nonZero.memory;
    this.tolerations = pod.spec?.tolerations ?? [];
    this.terminating = !!meta.deletionTimestamp;
    let parseError: string | undefined;
    const affinity = pod.spec?.affinity;
    if (affinity?.podAffinity || affinity?.podAntiAffinity) {
      try {
        const ns = this.namespace;
        this.requiredAffinityTerms = (affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileTerm(ns, t));
        this.requiredAntiAffinityTerms = (affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileTerm(ns, t));
        this.preferredAffinityTerms = compileWeighted(ns, affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
        this.preferredAntiAffinityTerms = compileWeighted(ns, affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
      } catch (err) {
        parseError = `invalid pod affinity: ${(err as Error).message}`;
      }
    }
    this.parseError = parseError;
  }

  get hasAffinity(): boolean {
    return (
      this.requiredAffinityTerms.length > 0 ||
      this.requiredAntiAffinityTerms.length > 0 ||
      this.preferredAffinityTerms.length > 0 ||
      this.preferredAntiAffinityTerms.length > 0
    );
  }

  get hasRequiredAntiAffinity(): boolean {
    return this.requiredAntiAffinityTerms.length > 0;
  }
}

/** A node, the pods on it (assumed ones too) and what they request (framework.NodeInfo). */
export class NodeInfo {
  /** Undefined while pods name a node the cache has not seen (or no longer has). */
  node: Node | undefined;
  labels: Labels = EMPTY_LABELS;
  taints: readonly Taint[] = [];
  unschedulable = false;
  readonly allocatable = new Resource();
  /** Sum of the pods' requests. */
  readonly requested = new Resource();
  /** Sum with the scoring defaults for containers without requests. */
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** Bumped on every change. */
  generation = 0;

  constructor(
    readonly name: string,
    node?: Node,
  ) {
    if (node) this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.labels = (node.metadata?.labels as Labels | undefined) ?? EMPTY_LABELS;
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = !!node.spec?.unschedulable;
    const alloc = Resource.fromList((node.status?.allocatable ?? node.status?.capacity) as Record<string, string> | undefined);
    this.allocatable.milliCPU = alloc.milliCPU;
    this.allocatable.memory = alloc.memory;
    this.allocatable.ephemeralStorage = alloc.ephemeralStorage;
    this.allocatable.allowedPodNumber = alloc.allowedPodNumber;
    this.allocatable.scalar = alloc.scalar;
    this.generation++;
  }

  clearNode(): void {
    this.node = undefined;
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(pi);
    this.requested.add(pi.requests);
    this.nonZeroMilliCPU += pi.nonZeroMilliCPU;
    this.nonZeroMemory += pi.nonZeroMemory;
    this.generation++;
  }

  /** Remove the pod with this uid; returns it, or undefined when it is not here. */
  removePod(uid: string): PodInfo | undefined {
    const i = this.pods.findIndex((p) => p.uid === uid);
    if (i < 0) return undefined;
    const pi = this.pods[i];
    swapRemove(this.pods, i);
    if (pi.hasAffinity) swapRemove(this.podsWithAffinity, this.podsWithAffinity.indexOf(pi));
    if (pi.hasRequiredAntiAffinity) swapRemove(this.podsWithRequiredAntiAffinity, this.podsWithRequiredAntiAffinity.indexOf(pi));
    this.requested.add(pi.requests, -1);
    this.nonZeroMilliCPU -= pi.nonZeroMilliCPU;
    this.nonZeroMemory -= pi.nonZeroMemory;
    this.generation++;
    return pi;
  }
}

function swapRemove<T>(arr: T[], i: number): void {
  if (i < 0) return;
  const last = arr.length - 1;
  if (i !== last) arr[i] = arr[last];
  arr.pop();
}

/** A NodeInfo for a node and pods (tests and tools). */
export function newNodeInfo(node: Node, ...pods: Pod[]): NodeInfo {
  const ni = new NodeInfo(node.metadata?.name ?? '', node);
  for (const p of pods) ni.addPod(new PodInfo(p));
  return ni;
}
