// The node agent — gitplane's kubelet. It registers its Node and heartbeats
// a Lease, runs the pods bound to it through a ContainerRuntime (one pod
// worker per pod), probes them, keeps their logs and serves them to the API
// server, posts their status, and persists what it runs under stateDir so a
// restarted agent adopts its containers instead of restarting them.

import fs from 'node:fs';
import path from 'node:path';
import type { ConfigMap, Pod, ResourceList, Secret, Service, Taint } from '../../api/generated/index.js';
import { createInformer, DeletedFinalStateUnknown, isNotFound, type Client, type SharedIndexInformer } from '../../client/index.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { EnvSources } from './env.js';
import { AgentEventRecorder } from './events.js';
import { startLogServer, type LogLookupError, type LogServer, type LogTarget } from './log-server.js';
import { LogManager, logPaths } from './logs.js';
import { defaultLoopbackCidr, loopbackNetwork, type NetworkPlugin } from './network.js';
import { NodeHeartbeat, NODE_IP } from './node-status.js';
import { PodWorker, type WorkerContext } from './pod-worker.js';
import { loadRecords, podDir, podsDir } from './records.js';
import { lastTermination } from './status.js';
import type { VolumeSources } from './volumes.js';

export { defaultLoopbackCidr, loopbackNetwork, type NetworkPlugin, type PodNetwork } from './network.js';
export { KUBELET_VERSION, NODE_IP } from './node-status.js';

export interface NodeAgentOptions {
  client: Client;
  runtime: ContainerRuntime;
  nodeName: string;
  /** Where the agent keeps pod records, volumes and logs (survives agent restarts). */
  stateDir: string;
  clock?: Clock;
  /** Default: loopbackNetwork on podCidr (or a /16 in 127.128.0.0/10 picked from the node name). */
  network?: NetworkPlugin;
  labels?: Record<string, string>;
  /** Registered with the Node when the agent creates it. */
  taints?: Taint[];
  /** Overrides the host's capacity (cpu, memory, pods, ephemeral-storage, extended resources). */
  capacity?: ResourceList;
  /** Written into the node lease (default 40). */
  leaseDurationSeconds?: number;
  /** Lease renewals (default 10 s); the node status is posted every 4th renewal and on changes. */
  renewIntervalMs?: number;
  /** A container log file is rotated at this size (default 10 MiB; one rotated file kept). */
  logMaxBytes?: number;
  /** The cluster DNS service IP for ClusterFirst pods' resolv.conf. */
  dnsServiceIP?: string;
  clusterDomain?: string;
  /** The pod CIDR of the default loopback network and of node.spec.podCIDR. */
  podCidr?: string;
  /** KUBERNETES_SERVICE_HOST/PORT when default/kubernetes does not exist. */
  masterService?: { host: string; port: number };
  /** First crash-loop back-off (default 10 s, doubling to maxCrashLoopBackOffMs, default 5 min). */
  crashLoopBackOffMs?: number;
  maxCrashLoopBackOffMs?: number;
  /** Errors the agent survives (failed syncs, heartbeats). Default: console.warn. */
  onError?: (err: unknown) => void;
}

export interface NodeAgent {
  readonly nodeName: string;
  readonly logServerPort: number;
  /**
   * Stop the agent. `stopPods: false` (the default) leaves the containers running for the
   * next agent on the same stateDir to adopt; `stopPods: true` stops them gracefully and
   * marks their pods Failed ("Terminated"), as a node shutdown does; `restartPods: true` stops
   * them gracefully but keeps the pods, whose containers the next agent starts again.
   */
  stop(opts?: { stopPods?: boolean; restartPods?: boolean }): Promise<void>;
}

export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const agent = new Agent(opts);
  try {
    await agent.start();
  } catch (err) {
    await agent.stop({ stopPods: false }).catch(() => undefined);
    throw err;
  }
  return {
    nodeName: opts.nodeName,
    get logServerPort() {
      return agent.logServerPort;
    },
    stop: (o) => agent.stop(o ?? {}),
  };
}

class Agent {
  private readonly clock: Clock;
  private readonly client: Client;
  private readonly runtime: ContainerRuntime;
  private readonly nodeName: string;
  private readonly stateDir: string;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly configMapInformer: SharedIndexInformer<ConfigMap>;
  private readonly secretInformer: SharedIndexInformer<Secret>;
  private readonly serviceInformer: SharedIndexInformer<Service>;
  private readonly workers = new Map<string, PodWorker>();
  private readonly byContainer = new Map<string, PodWorker>();
  private readonly logs: LogManager;
  private readonly events: AgentEventRecorder;
  private heartbeat: NodeHeartbeat | undefined;
  private logServer: LogServer | undefined;
  private ctx: WorkerContext | undefined;
  private started = false;
  private stopped = false;
  logServerPort = 0;

  constructor(private readonly opts: NodeAgentOptions) {
    if (!opts.nodeName) throw new Error('node agent: nodeName is required');
    this.clock = opts.clock ?? systemClock;
    this.client = opts.client;
    this.runtime = opts.runtime;
    this.nodeName = opts.nodeName;
    this.stateDir = path.resolve(opts.stateDir);
    this.logs = new LogManager(opts.logMaxBytes ?? 10 * 1024 * 1024, this.clock);
    this.events = new AgentEventRecorder(this.client, this.nodeName, this.clock);
    const onError = (err: unknown) => this.reportError(err);
    this.podInformer = createInformer<Pod>(this.client.pods, { name: `node-agent/${this.nodeName}/pods`, clock: this.clock, fieldSelector: { 'spec.nodeName': this.nodeName }, onError });
    this.configMapInformer = createInformer<ConfigMap>(this.client.configMaps, { name: 'node-agent/configmaps', clock: this.clock, onError });
    this.secretInformer = createInformer<Secret>(this.client.secrets, { name: 'node-agent/secrets', clock: this.clock, onError });
    this.serviceInformer = createInformer<Service>(this.client.services, { name: 'node-agent/services', clock: this.clock, onError });
  }

  async start(): Promise<void> {
    fs.mkdirSync(podsDir(this.stateDir), { recursive: true });
    const info = await this.runtime.info();
    const runtimeName = info.version.split('://')[0] || 'unknown';
    const podCidr = this.opts.podCidr ?? defaultLoopbackCidr(this.nodeName);
    const network = this.opts.network ?? loopbackNetwork(path.join(this.stateDir, 'network'), podCidr);

    this.logServer = await startLogServer((ns, pod, container, previous) => this.resolveLogs(ns, pod, container, previous), this.clock);
    this.logServerPort = this.logServer.port;

    this.heartbeat = new NodeHeartbeat({
      client: this.client,
      clock: this.clock,
      runtime: this.runtime,
      nodeName: this.nodeName,
      stateDir: this.stateDir,
      ...(this.opts.labels ? { labels: this.opts.labels } : {}),
      ...(this.opts.taints ? { taints: this.opts.taints } : {}),
      ...(this.opts.capacity ? { capacity: this.opts.capacity } : {}),
      leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40,
      renewIntervalMs: this.opts.renewIntervalMs ?? 10_000,
      logServerPort: this.logServerPort,
      podCidr,
      onError: (err) => this.reportError(err),
    });
    await this.heartbeat.start();
    const allocatable = this.heartbeat.capacity;

    const configMap = async (namespace: string, name: string): Promise<ConfigMap | undefined> => {
      const cached = this.configMapInformer.indexer.getByKey(`${namespace}/${name}`);
      if (cached) return cached;
      try {
        return await this.client.configMaps.namespace(namespace).get(name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const secret = async (namespace: string, name: string): Promise<Secret | undefined> => {
      const cached = this.secretInformer.indexer.getByKey(`${namespace}/${name}`);
      if (cached) return cached;
      try {
        return await this.client.secrets.namespace(namespace).get(name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const envSources: EnvSources = {
      configMap,
      secret,
      services: (namespace) => this.serviceInformer.indexer.list().filter((s) => s.metadata?.namespace === namespace),
      masterService: () => {
        const svc = this.serviceInformer.indexer.getByKey('default/kubernetes');
        const ip = svc?.spec?.clusterIP;
        const port = svc?.spec?.ports?.find((p) => p.name === 'https')?.port ?? svc?.spec?.ports?.[0]?.port;
        if (ip && ip !== 'None' && port) return { host: ip, port };
        return this.opts.masterService;
      },
      nodeAllocatable: allocatable,
    };
    const volumeSources: VolumeSources = { configMap, secret, nodeAllocatable: allocatable };

    this.ctx = {
      client: this.client,
      runtime: this.runtime,
      runtimeInfo: info,
      runtimeName,
      clock: this.clock,
      network,
      nodeName: this.nodeName,
      stateDir: this.stateDir,
      hostIP: NODE_IP,
      logs: this.logs,
      events: this.events,
      envSources,
      volumeSources,
      ...(this.opts.dnsServiceIP ? { dnsServiceIP: this.opts.dnsServiceIP } : {}),
      clusterDomain: this.opts.clusterDomain ?? 'cluster.local',
      backOffMs: this.opts.crashLoopBackOffMs ?? 10_000,
      maxBackOffMs: this.opts.maxCrashLoopBackOffMs ?? 300_000,
      livePod: (key, uid) => {
        const pod = this.podInformer.indexer.getByKey(key);
        return pod && pod.metadata?.uid === uid && pod.spec?.nodeName === this.nodeName ? pod : undefined;
      },
      bindContainer: (id, worker) => this.byContainer.set(id, worker),
      unbindContainer: (id) => this.byContainer.delete(id),
      removeWorker: (worker) => {
        if (this.workers.get(worker.uid) === worker) this.workers.delete(worker.uid);
      },
      reportError: (err) => this.reportError(err),
    };

    // What the last agent ran: adopt it (workers start once the informers have synced).
    for (const record of loadRecords(this.stateDir)) {
      const worker = new PodWorker(this.ctx, record.pod, record);
      this.workers.set(record.uid, worker);
    }
    this.runtime.onChange((id) => {
      if (!this.stopped) this.byContainer.get(id)?.request();
    });

    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (_old, pod) => this.podChanged(pod),
      onDelete: (obj) => this.podChanged(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
    });
    const projectedChanged = (kind: 'configMap' | 'secret') => (obj: ConfigMap | Secret | DeletedFinalStateUnknown<ConfigMap | Secret>) => {
      if (!this.started || this.stopped) return;
      const o = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
      const ns = o.metadata?.namespace ?? '';
      const name = o.metadata?.name ?? '';
      for (const w of this.workers.values()) if (w.references(kind, ns, name)) w.request();
    };
    const onCm = projectedChanged('configMap');
    const onSecret = projectedChanged('secret');
    this.configMapInformer.addEventHandler({ onAdd: onCm, onUpdate: (_o, n) => onCm(n), onDelete: onCm });
    this.secretInformer.addEventHandler({ onAdd: onSecret, onUpdate: (_o, n) => onSecret(n), onDelete: onSecret });

    this.podInformer.start();
    this.configMapInformer.start();
    this.secretInformer.start();
    this.serviceInformer.start();
    const synced = await Promise.all([this.podInformer.waitForSync(), this.configMapInformer.waitForSync(), this.secretInformer.waitForSync(), this.serviceInformer.waitForSync()]);
    if (this.stopped) return;
    if (!synced.every(Boolean)) throw new Error('node agent: the informers stopped before they synced');

    // Containers the runtime has that no record owns: left by a pod this agent forgot.
    for (const id of this.runtime.list()) {
      if (this.byContainer.has(id)) continue;
      try {
        await this.runtime.stopContainer(id, 0);
        await this.runtime.removeContainer(id);
      } catch (err) {
        this.reportError(err);
      }
    }
    // Pod directories without a record (a pod that never got far).
    for (const uid of fs.readdirSync(podsDir(this.stateDir))) {
      if (!this.workers.has(uid) && !this.podInformer.indexer.list().some((p) => p.metadata?.uid === uid)) fs.rmSync(podDir(this.stateDir, uid), { recursive: true, force: true });
    }
    this.started = true;
    for (const pod of this.podInformer.indexer.list()) this.podChanged(pod);
    for (const w of this.workers.values()) w.request();
  }

  private podChanged(pod: Pod): void {
    if (!this.started || this.stopped || !this.ctx) return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let worker = this.workers.get(uid);
    if (worker) {
      if (pod.metadata?.deletionTimestamp) worker.shortenGrace(pod);
      worker.request();
      return;
    }
    if (pod.spec?.nodeName !== this.nodeName) return;
    const phase = pod.status?.phase;
    const live = this.podInformer.indexer.getByKey(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
    if (!live || live.metadata?.uid !== uid) return; // a delete event of a pod we never ran
    // A pod that finished before this agent saw it is not run again (kubelet does not either).
    if ((phase === 'Succeeded' || phase === 'Failed') && !pod.metadata?.deletionTimestamp) return;
    worker = new PodWorker(this.ctx, pod);
    this.workers.set(uid, worker);
    worker.request();
  }

  private resolveLogs(namespace: string, podName: string, container: string, previous: boolean): LogTarget | LogLookupError {
    const candidates = [...this.workers.values()].filter((w) => w.record.namespace === namespace && w.record.name === podName);
    const live = this.podInformer.indexer.getByKey(`${namespace}/${podName}`);
    const worker = candidates.find((w) => w.uid === live?.metadata?.uid) ?? candidates[candidates.length - 1];
    if (!worker) return { code: 404, reason: 'NotFound', message: `pod "${podName}" in namespace "${namespace}" not found on node "${this.nodeName}"` };
    const pod = worker.pod;
    const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === container);
    if (!spec) return { code: 404, reason: 'NotFound', message: `container "${container}" in pod "${podName}" not found` };
    const r = worker.record.containers[container];
    if (previous) {
      const last = r ? lastTermination(r) : undefined;
      if (!last) return { code: 400, reason: 'BadRequest', message: `previous terminated container "${container}" in pod "${podName}" not found` };
      return { paths: logPaths(worker.dir, container, last.attempt) };
    }
    if (!r || r.attempt === undefined) {
      const reason = r?.waiting?.reason ?? (worker.record.initialized || (pod.spec?.initContainers ?? []).some((c) => c.name === container) ? 'ContainerCreating' : 'PodInitializing');
      return { code: 400, reason: 'BadRequest', message: `container "${container}" in pod "${podName}" is waiting to start: ${reason}` };
    }
    const paths = logPaths(worker.dir, container, r.attempt);
    const collector = r.id && !r.terminated ? this.logs.get(r.id) : undefined;
    return { paths, ...(collector ? { collector } : {}) };
  }

  private reportError(err: unknown): void {
    if (this.stopped) return;
    if (this.opts.onError) {
      try {
        this.opts.onError(err);
      } catch {
        // a reporter must not break the agent
      }
      return;
    }
    console.warn(`node agent ${this.nodeName}: ${err instanceof Error ? err.message : String(err)}`);
  }

  async stop(opts: { stopPods?: boolean; restartPods?: boolean }): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.heartbeat?.stop();
    const workers = [...this.workers.values()];
    await Promise.all(workers.map((w) => w.pause()));
    if (opts.stopPods) await Promise.all(workers.map((w) => w.shutdownPods().catch((err) => console.warn(`node agent ${this.nodeName}: ${(err as Error).message}`))));
    else if (opts.restartPods) await Promise.all(workers.map((w) => w.stopContainersForRestart().catch((err) => console.warn(`node agent ${this.nodeName}: ${(err as Error).message}`))));
    await Promise.all([this.podInformer.stop(), this.configMapInformer.stop(), this.secretInformer.stop(), this.serviceInformer.stop()]);
    this.logs.stop();
    await this.logServer?.close();
    await Promise.race([this.events.flush(), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}
