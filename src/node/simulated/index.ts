// A simulated node runtime, after kwok: Node objects that register, post
// heartbeats (a Lease per node in kube-node-lease, and Ready conditions) and
// "run" the pods bound to them by moving their status through the stages a
// kubelet reports (Running with an IP and ready containers; exits, restarts,
// Succeeded or Failed when annotations ask; deletion once terminating) —
// without running anything. It lets the scheduler, controllers and GitOps
// work against thousands of nodes on one machine.
//
// Scale: one pod informer (indexed by spec.nodeName) for all simulated nodes,
// one work queue of pod keys with a few workers, and lease renewals spread
// evenly over the renew interval and sent through one bounded pool.

import PQueue from 'p-queue';
import type { Lease, Pod, Taint } from '../../api/generated/index.js';
import { deepEqual } from '../../api/patch/json.js';
import {
  createInformer,
  DeletedFinalStateUnknown,
  isAlreadyExists,
  isConflict,
  isNotFound,
  runWorkers,
  WorkQueue,
  type Client,
  type ReconcileResult,
  type SharedIndexInformer,
} from '../../client/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../util/clock.js';
import { IpAllocator } from './ip-allocator.js';
import { apiMicroTime, nodeAddress, nodeConditions, nodeLease, nodeObject, NODE_LEASE_NAMESPACE, type SimulatedNodeSpec } from './node-object.js';
import { advance, behaviourOf, newPodRun, phaseOf, podStatus, type LifecycleOptions, type PodRun } from './pod-lifecycle.js';

export { IpAllocator } from './ip-allocator.js';
export { DEFAULT_CAPACITY, KUBELET_VERSION, NODE_LEASE_NAMESPACE, RUNTIME_VERSION, type SimulatedNodeSpec } from './node-object.js';
export { EXIT_CODE_ANNOTATION, NEVER_READY_ANNOTATION, RUN_SECONDS_ANNOTATION } from './pod-lifecycle.js';

export interface SimulatedNodesOptions {
  client: Client;
  clock?: Clock;
  /** Nodes to generate, named namePrefix + 0, 1, ... (default 1 when `nodes` is not given, else 0). */
  count?: number;
  /** Default "sim-node-". */
  namePrefix?: string;
  /** Nodes described one by one (registered before the generated ones). */
  nodes?: Array<{ name: string; labels?: Record<string, string>; taints?: Taint[]; capacity?: SimulatedNodeSpec['capacity'] }>;
  /** Written into each node lease (default 40, as the kubelet). */
  leaseDurationSeconds?: number;
  /** How often each node renews its lease (default 10 s); renewals are spread over the interval. */
  renewIntervalMs?: number;
  /** The Ready condition's lastHeartbeatTime is refreshed every this many renewals (default 4). */
  statusEveryRenewals?: number;
  /** From being seen bound to Running (default 0). */
  podStartDelayMs?: number;
  /** Pod IPs are taken under this prefix of whole octets (default "10.244."). */
  podIpPrefix?: string;
  /** First crash-loop back-off before a restart (default 10 s, doubling to 5 min). */
  crashLoopBackOffMs?: number;
  maxCrashLoopBackOffMs?: number;
  /** API requests in flight for registrations and heartbeats (default 32). */
  concurrency?: number;
  /** Pods synced at once (default 16). */
  podWorkers?: number;
  /** Failed requests (they are retried) and informer errors. Default: console.warn. */
  onError?: (err: unknown) => void;
}

export interface SimulatedNodes {
  /** The names of the simulated nodes, in registration order. */
  readonly nodes: string[];
  /** Simulate a dead node: stop renewing its lease and touching its status and pods. */
  stopHeartbeat(name: string): void;
  /** Bring it back: renew at once, post Ready again, resume its pods. */
  resumeHeartbeat(name: string): void;
  /** Register one more node. */
  addNode(spec: SimulatedNodeSpec): Promise<void>;
  /** Stop everything (the Node objects stay). */
  stop(): Promise<void>;
}

/** Register the nodes, start their heartbeats and start running the pods bound to them. */
export async function startSimulatedNodes(opts: SimulatedNodesOptions): Promise<SimulatedNodes> {
  const runtime = new SimulatedNodeRuntime(opts);
  try {
    await runtime.start();
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  return {
    get nodes() {
      return runtime.nodeNames();
    },
    stopHeartbeat: (name) => runtime.stopHeartbeat(name),
    resumeHeartbeat: (name) => runtime.resumeHeartbeat(name),
    addNode: (spec) => runtime.addNode(spec),
    stop: () => runtime.stop(),
  };
}

const NODE_INDEX = 'spec.nodeName';

interface SimNode {
  spec: SimulatedNodeSpec;
  address: string;
  bootSeed: string;
  uid?: string;
  /** The lease as last written. */
  lease?: Lease;
  heartbeating: boolean;
  renewals: number;
  readySince: number;
  /** Post the node status with the next renewal. */
  statusDue: boolean;
  renewing: boolean;
  timer?: TimerHandle;
  /** When the next renewal is due (renewals keep their slot in the interval, not drift by latency). */
  dueAt: number;
}

class SimulatedNodeRuntime {
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly leaseDurationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly statusEveryRenewals: number;
  private readonly podStartDelayMs: number;
  private readonly lifecycle: LifecycleOptions;
  private readonly podWorkers: number;
  private readonly pool: PQueue;
  private readonly podIPs: IpAllocator;
  private readonly nodes = new Map<string, SimNode>();
  private readonly order: string[] = [];
  private readonly runs = new Map<string, PodRun>();
  private readonly queue: WorkQueue<string>;
  private readonly informer: SharedIndexInformer<Pod>;
  private workers: Promise<void> | undefined;
  private stopped = false;
  private nextAddress = 0;

  constructor(private readonly opts: SimulatedNodesOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? 40;
    this.renewIntervalMs = opts.renewIntervalMs ?? 10_000;
    this.statusEveryRenewals = Math.max(1, opts.statusEveryRenewals ?? 4);
    this.podStartDelayMs = Math.max(0, opts.podStartDelayMs ?? 0);
    this.lifecycle = { backOffMs: opts.crashLoopBackOffMs ?? 10_000, maxBackOffMs: opts.maxCrashLoopBackOffMs ?? 300_000 };
    this.podWorkers = Math.max(1, opts.podWorkers ?? 16);
    this.pool = new PQueue({ concurrency: Math.max(1, opts.concurrency ?? 32) });
    this.podIPs = new IpAllocator(opts.podIpPrefix ?? '10.244.');
    if (!(this.renewIntervalMs > 0)) throw new Error('simulated nodes: renewIntervalMs must be greater than zero');
    this.queue = new WorkQueue<string>({ name: 'simulated-pods', clock: this.clock, baseDelayMs: 10, maxDelayMs: 30_000 });
    this.informer = createInformer<Pod>(this.client.pods, {
      name: 'simulated-nodes/pods',
      clock: this.clock,
      indexers: { [NODE_INDEX]: (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []) },
      onError: (err) => this.reportError(err),
    });
  }

  nodeNames(): string[] {
    return [...this.order];
  }

  async start(): Promise<void> {
    const specs: SimulatedNodeSpec[] = [...(this.opts.nodes ?? [])];
    const prefix = this.opts.namePrefix ?? 'sim-node-';
    const count = this.opts.count ?? (this.opts.nodes ? 0 : 1);
    for (let i = 0; i < count; i++) specs.push({ name: `${prefix}${i}` });
    const seen = new Set<string>();
    for (const spec of specs) {
      if (seen.has(spec.name)) throw new Error(`simulated nodes: node ${spec.name} is listed twice`);
      seen.add(spec.name);
    }
    this.informer.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (_old, pod) => this.podChanged(pod),
      onDelete: (obj) => this.podChanged(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
    });
    await Promise.all(specs.map((spec) => this.register(spec)));
    this.informer.start();
    this.workers = runWorkers(this.queue, this.podWorkers, (key) => this.syncPod(key), { onError: (err) => this.reportError(err) });
    if (!(await this.informer.waitForSync())) {
      if (this.stopped) return;
      throw new Error('simulated nodes: the pod informer stopped before it synced');
    }
  }

  async addNode(spec: SimulatedNodeSpec): Promise<void> {
    if (this.stopped) throw new Error('simulated nodes: stopped');
    await this.register(spec);
    for (const key of this.informer.indexer.indexKeys(NODE_INDEX, spec.name)) this.queue.add(key);
  }

  stopHeartbeat(name: string): void {
    const node = this.node(name);
    node.heartbeating = false;
    node.timer?.cancel();
    node.timer = undefined;
  }

  resumeHeartbeat(name: string): void {
    const node = this.node(name);
    if (node.heartbeating || this.stopped) return;
    node.heartbeating = true;
    node.readySince = this.clock.now();
    node.statusDue = true;
    this.scheduleRenew(node, 0);
    for (const key of this.informer.indexer.indexKeys(NODE_INDEX, name)) this.queue.add(key);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const node of this.nodes.values()) {
      node.timer?.cancel();
      node.timer = undefined;
    }
    this.queue.shutdown();
    await this.informer.stop();
    await this.workers;
    await this.pool.onIdle();
  }

  private node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`simulated nodes: no node ${name}`);
    return node;
  }

  // ---------------------------------------------------------------------------
  // Nodes: registration and heartbeats.

  private async register(spec: SimulatedNodeSpec): Promise<void> {
    if (!spec.name) throw new Error('simulated nodes: a node needs a name');
    if (this.nodes.has(spec.name)) throw new Error(`simulated nodes: node ${spec.name} exists already`);
    const now = this.clock.now();
    const node: SimNode = {
      spec,
      address: nodeAddress(this.nextAddress++),
      bootSeed: `${now}-${Math.random()}`,
      heartbeating: true,
      renewals: 0,
      readySince: now,
      statusDue: false,
      renewing: false,
      dueAt: now,
    };
    this.nodes.set(spec.name, node);
    this.order.push(spec.name);
    try {
      await this.pool.add(async () => {
        await this.createNode(node);
        await this.writeLease(node, this.clock.now());
      });
    } catch (err) {
      this.nodes.delete(spec.name);
      this.order.splice(this.order.indexOf(spec.name), 1);
      throw err;
    }
    // Spread renewals evenly over the interval, so thousands of nodes do not renew in step.
    this.scheduleRenew(node, Math.floor(Math.random() * this.renewIntervalMs));
  }

  /** Create the Node, or take over an existing one (a restarted runtime): post its status. */
  private async createNode(node: SimNode): Promise<void> {
    const object = nodeObject(node.spec, node.address, this.clock.now(), node.bootSeed);
    try {
      const created = await this.client.nodes.create(object);
      node.uid = created.metadata?.uid;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.client.nodes.patch(node.spec.name, { status: object.status }, 'merge', { subresource: 'status' });
      node.uid = existing.metadata?.uid;
    }
  }

  private scheduleRenew(node: SimNode, delayMs: number): void {
    node.timer?.cancel();
    if (this.stopped || !node.heartbeating) return;
    node.dueAt = this.clock.now() + delayMs;
    node.timer = this.clock.setTimeout(() => {
      node.timer = undefined;
      void this.renew(node);
    }, delayMs);
  }

  private async renew(node: SimNode): Promise<void> {
    if (this.stopped || !node.heartbeating || node.renewing) return;
    node.renewing = true;
    try {
      await this.pool.add(async () => {
        if (this.stopped || !node.heartbeating) return;
        const now = this.clock.now();
        await this.writeLease(node, now);
        node.renewals++;
        if (node.statusDue || node.renewals % this.statusEveryRenewals === 0) {
          await this.postStatus(node, now);
          node.statusDue = false;
        }
      });
    } catch (err) {
      this.reportError(err);
    } finally {
      node.renewing = false;
      // Keep the node's slot: the next renewal is one interval after this one was due,
      // unless it fell a whole interval behind.
      const now = this.clock.now();
      const next = node.dueAt + this.renewIntervalMs;
      this.scheduleRenew(node, next > now ? next - now : this.renewIntervalMs);
    }
  }

  /** Create or renew the node's lease (taking the latest version when another writer raced). */
  private async writeLease(node: SimNode, now: number): Promise<void> {
    const leases = this.client.leases.namespace(NODE_LEASE_NAMESPACE);
    const name = node.spec.name;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!node.lease) {
          node.lease = await leases.create(nodeLease(name, node.uid, this.leaseDurationSeconds, now));
        } else {
          const spec = { ...node.lease.spec, holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: apiMicroTime(now) };
          node.lease = await leases.update({ ...node.lease, spec });
        }
        return;
      } catch (err) {
        if (attempt >= 2) throw err;
        if (isAlreadyExists(err) || isConflict(err)) {
          try {
            node.lease = await leases.get(name);
          } catch (getErr) {
            if (!isNotFound(getErr)) throw getErr;
            node.lease = undefined;
          }
        } else if (isNotFound(err)) {
          node.lease = undefined;
        } else {
          throw err;
        }
      }
    }
  }

  /** Refresh the conditions' heartbeat (re-registering a node someone deleted, as a kubelet does). */
  private async postStatus(node: SimNode, now: number): Promise<void> {
    try {
      await this.client.nodes.patch(node.spec.name, { status: { conditions: nodeConditions(now, node.readySince) } }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.createNode(node);
      node.lease = undefined;
      await this.writeLease(node, now);
    }
  }

  // ---------------------------------------------------------------------------
  // Pods.

  private podChanged(pod: Pod): void {
    if (this.stopped) return;
    const nodeName = pod.spec?.nodeName;
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    if ((nodeName && this.nodes.has(nodeName)) || this.runs.has(key)) this.queue.add(key);
  }

  private async syncPod(key: string): Promise<ReconcileResult> {
    const pod = this.informer.indexer.getByKey(key);
    const existing = this.runs.get(key);
    if (existing && (!pod || existing.uid !== pod.metadata?.uid)) {
      this.podIPs.release(existing.podIP);
      this.runs.delete(key);
    }
    if (!pod || this.stopped) return;
    const node = pod.spec?.nodeName ? this.nodes.get(pod.spec.nodeName) : undefined;
    if (!node || !node.heartbeating) return; // not ours, or a dead node: nothing happens
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const pods = this.client.pods.namespace(namespace);

    if (pod.metadata?.deletionTimestamp) {
      // The containers are "stopped" at once: finish the deletion, as a kubelet does.
      try {
        await pods.delete(name, { gracePeriodSeconds: 0, ...(pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {}) });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }

    let run = this.runs.get(key);
    if (!run) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return; // finished before we saw it
      const current = pod.status?.podIP;
      const podIP = current && this.podIPs.claim(current) ? current : this.podIPs.allocate();
      run = newPodRun(pod, this.clock.now(), this.podStartDelayMs, podIP, node.address);
      this.runs.set(key, run);
    }
    const behaviour = behaviourOf(pod);
    const now = this.clock.now();
    const next = advance(run, behaviour, now, this.lifecycle);
    const status = podStatus(pod, run, behaviour, now);
    if (!deepEqual(pod.status ?? {}, status)) {
      try {
        await pods.updateStatus({ ...pod, status });
      } catch (err) {
        if (isNotFound(err)) return;
        if (isConflict(err)) return { requeue: true }; // the informer brings the newer pod
        throw err;
      }
    }
    const phase = phaseOf(run);
    if (next === undefined || phase === 'Succeeded' || phase === 'Failed') return;
    return { requeueAfterMs: Math.max(1, next - now) };
  }

  private reportError(err: unknown): void {
    if (this.stopped) return;
    if (this.opts.onError) {
      try {
        this.opts.onError(err);
      } catch {
        // an error reporter must not stop the runtime
      }
      return;
    }
    console.warn(`simulated nodes: ${err instanceof Error ? err.message : String(err)}`);
  }
}
