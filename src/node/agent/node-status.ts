// The agent's Node: registration (capacity and allocatable from the host or
// the options, labels, taints, addresses, nodeInfo, the log server's port in
// daemonEndpoints), its heartbeat Lease in kube-node-lease (the simulated
// node's lease object), and the node conditions: Ready follows the runtime's
// health, a node found NotReady or Unknown (e.g. after the agent was down) is
// posted Ready again with a new transition time, and MemoryPressure /
// DiskPressure look at the host.

import fs from 'node:fs';
import os from 'node:os';
import type { Lease, Node, NodeCondition, NodeStatus, ResourceList, Taint } from '../../api/generated/index.js';
import { isAlreadyExists, isConflict, isNotFound, type Client } from '../../client/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { apiMicroTime, apiTime, KUBELET_VERSION, nodeLease, NODE_LEASE_NAMESPACE } from '../simulated/node-object.js';

export { KUBELET_VERSION, NODE_LEASE_NAMESPACE } from '../simulated/node-object.js';

export const NODE_IP = '127.0.0.1';

export interface NodeStatusOptions {
  client: Client;
  clock: Clock;
  runtime: ContainerRuntime;
  nodeName: string;
  stateDir: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  capacity?: ResourceList;
  leaseDurationSeconds: number;
  renewIntervalMs: number;
  logServerPort: number;
  podCidr: string;
  onError: (err: unknown) => void;
}

/** Capacity from the host: CPUs, memory, 110 pods, and the state dir's file system. */
export function hostCapacity(stateDir: string): ResourceList {
  const capacity: ResourceList = {
    cpu: String(os.cpus().length || 1),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: '110',
  };
  try {
    const st = fs.statfsSync(stateDir);
    capacity['ephemeral-storage'] = `${Math.floor((st.blocks * st.bsize) / 1024)}Ki`;
  } catch {
    // no statfs: leave it out
  }
  return capacity;
}

type Status = NodeCondition['status'];

interface ConditionState {
  status: Status;
  reason: string;
  message: string;
}

export class NodeHeartbeat {
  private lease: Lease | undefined;
  private uid: string | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private renewals = 0;
  private readonly since = new Map<string, { status: Status; at: number }>();
  private lastPosted = new Map<string, Status>();
  readonly capacity: ResourceList;

  constructor(private readonly opts: NodeStatusOptions) {
    this.capacity = { ...hostCapacity(opts.stateDir), ...(opts.capacity ?? {}) };
  }

  private async conditionStates(): Promise<Record<string, ConditionState>> {
    let runtimeOk = true;
    let runtimeErr = '';
    try {
      await this.opts.runtime.info();
    } catch (err) {
      runtimeOk = false;
      runtimeErr = (err as Error).message;
    }
    // kubelet's default eviction thresholds: memory.available < 100Mi, nodefs.available < 10%.
    const memPressure = memoryAvailable() < 100 * 1024 * 1024;
    let diskPressure = false;
    try {
      const st = fs.statfsSync(this.opts.stateDir);
      diskPressure = st.blocks > 0 && st.bavail / st.blocks < 0.1;
    } catch {
      diskPressure = false;
    }
    return {
      MemoryPressure: memPressure
        ? { status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
        : { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
      DiskPressure: diskPressure
        ? { status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
        : { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
      PIDPressure: { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
      Ready: runtimeOk
        ? { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
        : { status: 'False', reason: 'KubeletNotReady', message: `container runtime is down: ${runtimeErr}` },
    };
  }

  private conditions(states: Record<string, ConditionState>, current: NodeCondition[] | undefined): NodeCondition[] {
    const now = this.opts.clock.now();
    const existing = new Map((current ?? []).map((c) => [c.type, c]));
    return Object.entries(states).map(([type, s]) => {
      let since = this.since.get(type);
      const prev = existing.get(type);
      if (prev && prev.status !== s.status) {
        // Someone else (the node lifecycle controller) changed it, or we did: a transition now.
        since = { status: s.status, at: now };
        this.since.set(type, since);
      } else if (!since || since.status !== s.status) {
        const prevAt = prev?.lastTransitionTime ? Date.parse(prev.lastTransitionTime) : NaN;
        since = { status: s.status, at: prev?.status === s.status && !Number.isNaN(prevAt) ? prevAt : now };
        this.since.set(type, since);
      }
      return { type, status: s.status, lastHeartbeatTime: apiTime(now), lastTransitionTime: apiTime(since.at), reason: s.reason, message: s.message };
    });
  }

  private async nodeStatus(current: NodeCondition[] | undefined): Promise<NodeStatus> {
    const info = await this.opts.runtime.info().catch(() => ({ version: 'unknown://0', enforcesLimits: false }));
    return {
      capacity: { ...this.capacity },
      allocatable: { ...this.capacity },
      conditions: this.conditions(await this.conditionStates(), current),
      addresses: [
        { type: 'InternalIP', address: NODE_IP },
        { type: 'Hostname', address: this.opts.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.opts.logServerPort } },
      nodeInfo: {
        machineID: readMachineId(),
        systemUUID: readMachineId(),
        bootID: readBootId(),
        kernelVersion: os.release(),
        osImage: osImage(),
        containerRuntimeVersion: info.version,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: goArch(),
      },
    } as NodeStatus;
  }

  private nodeObject(status: NodeStatus): Node {
    const name = this.opts.nodeName;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'beta.kubernetes.io/arch': goArch(),
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': goArch(),
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          ...this.opts.labels,
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: {
        podCIDR: this.opts.podCidr,
        podCIDRs: [this.opts.podCidr],
        providerID: `gitplane://${name}`,
        ...(this.opts.taints?.length ? { taints: this.opts.taints.map((t) => ({ ...t })) } : {}),
      },
      status,
    };
  }

  /** Register (or take over) the Node and its Lease, then heartbeat. */
  async start(): Promise<void> {
    await this.register();
    await this.writeLease();
    this.schedule();
  }

  private async register(): Promise<void> {
    const nodes = this.opts.client.nodes;
    let existing: Node | undefined;
    try {
      existing = await nodes.get(this.opts.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const status = await this.nodeStatus(existing?.status?.conditions);
    if (!existing) {
      try {
        const created = await nodes.create(this.nodeObject(status));
        this.uid = created.metadata?.uid;
        this.remember(status);
        return;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    // A node that exists (an agent restart): refresh labels we own and the status.
    const labels = this.nodeObject(status).metadata.labels;
    const patched = await nodes.patch(this.opts.nodeName, { metadata: { labels } }, 'merge');
    this.uid = patched.metadata?.uid;
    await nodes.patch(this.opts.nodeName, { status }, 'merge', { subresource: 'status' });
    this.remember(status);
  }

  private remember(status: NodeStatus): void {
    this.lastPosted = new Map((status.conditions ?? []).map((c) => [c.type, c.status]));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      void this.renew();
    }, this.opts.renewIntervalMs);
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.writeLease();
      this.renewals++;
      await this.postStatus(this.renewals % 4 === 0);
    } catch (err) {
      this.opts.onError(err);
    } finally {
      this.schedule();
    }
  }

  /** Post the node status when conditions changed, when forced, or when someone else changed Ready. */
  async postStatus(force: boolean): Promise<void> {
    const nodes = this.opts.client.nodes;
    let node: Node;
    try {
      node = await nodes.get(this.opts.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Deleted under us: register again, as a kubelet does.
      this.lease = undefined;
      await this.register();
      await this.writeLease();
      return;
    }
    const status = await this.nodeStatus(node.status?.conditions);
    const changed = (status.conditions ?? []).some((c) => this.lastPosted.get(c.type) !== c.status);
    const theirs = (node.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
    const ours = (status.conditions ?? []).find((c) => c.type === 'Ready')?.status;
    const portChanged = node.status?.daemonEndpoints?.kubeletEndpoint?.Port !== this.opts.logServerPort;
    if (!force && !changed && theirs === ours && !portChanged) return;
    await nodes.patch(this.opts.nodeName, { status }, 'merge', { subresource: 'status' });
    this.remember(status);
  }

  private async writeLease(): Promise<void> {
    const leases = this.opts.client.leases.namespace(NODE_LEASE_NAMESPACE);
    const name = this.opts.nodeName;
    const now = this.opts.clock.now();
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.lease) {
          this.lease = await leases.create(nodeLease(name, this.uid, this.opts.leaseDurationSeconds, now));
        } else {
          const spec = { ...this.lease.spec, holderIdentity: name, leaseDurationSeconds: this.opts.leaseDurationSeconds, renewTime: apiMicroTime(now) };
          this.lease = await leases.update({ ...this.lease, spec });
        }
        return;
      } catch (err) {
        if (attempt >= 2) throw err;
        if (isAlreadyExists(err) || isConflict(err)) {
          try {
            this.lease = await leases.get(name);
          } catch (getErr) {
            if (!isNotFound(getErr)) throw getErr;
            this.lease = undefined;
          }
        } else if (isNotFound(err)) {
          this.lease = undefined;
        } else {
          throw err;
        }
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/** MemAvailable from /proc/meminfo (free plus reclaimable cache), else free memory. */
function memoryAvailable(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not linux
  }
  return os.freemem();
}

function readFirst(paths: string[], fallback: string): string {
  for (const p of paths) {
    try {
      const v = fs.readFileSync(p, 'utf8').trim();
      if (v) return v;
    } catch {
      // next
    }
  }
  return fallback;
}

function readMachineId(): string {
  return readFirst(['/etc/machine-id', '/var/lib/dbus/machine-id'], os.hostname());
}

function readBootId(): string {
  return readFirst(['/proc/sys/kernel/random/boot_id'], '');
}

function osImage(): string {
  try {
    const text = fs.readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
    if (m) return m[1];
  } catch {
    // not linux
  }
  return `${os.type()} ${os.release()}`;
}

function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[process.arch] ?? process.arch;
}
