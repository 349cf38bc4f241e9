// One pod worker per pod (kubelet's pod_workers): every change to the pod,
// its containers (runtime notifications), its probes or its projected volume
// sources asks for a sync, and syncs of one pod never overlap. A sync makes
// the pod as its spec asks: network and sandbox, volumes, init containers in
// order, then the app containers with their restart policy and crash-loop
// back-off; probes; postStart and preStop hooks; activeDeadlineSeconds; and
// on deletion a graceful stop, clean-up and the final delete. Then it posts
// the pod status when it changed.

import fs from 'node:fs';
import path from 'node:path';
import type { Container, Pod } from '../../api/generated/index.js';
import { deepEqual } from '../../api/patch/json.js';
import { isConflict, isNotFound, type Client } from '../../client/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { ContainerConfig, ContainerRuntime, PodSandbox, RuntimeInfo } from '../runtime/types.js';
import { podHostname, writeDnsFiles } from './dns-files.js';
import { ConfigError, containerArgv, containerEnv, type EnvSources } from './env.js';
import type { AgentEventRecorder } from './events.js';
import { logPaths, type LogManager } from './logs.js';
import type { NetworkPlugin } from './network.js';
import { PROBE_TITLE, ProbeWorker, runAction, type ProbeKind, type ProbeResult } from './probes.js';
import { quantityBytes, quantityMillis } from './quantity.js';
import { newContainerRecord, podDir, saveRecord, type ContainerRecord, type PodRecord, type Termination } from './records.js';
import { buildPodStatus, isRunning, lastTermination, podPhase } from './status.js';
import { containerMounts, setUpVolumes, tearDownVolumes, VolumeError, type VolumeSources } from './volumes.js';

export interface WorkerContext {
  client: Client;
  runtime: ContainerRuntime;
  runtimeInfo: RuntimeInfo;
  /** "process", "runc", ... (the scheme of containerIDs). */
  runtimeName: string;
  clock: Clock;
  network: NetworkPlugin;
  nodeName: string;
  stateDir: string;
  hostIP: string;
  logs: LogManager;
  events: AgentEventRecorder;
  envSources: EnvSources;
  volumeSources: VolumeSources;
  dnsServiceIP?: string;
  clusterDomain: string;
  backOffMs: number;
  maxBackOffMs: number;
  /** The pod as the informer has it, when it is still this uid and bound here. */
  livePod(key: string, uid: string): Pod | undefined;
  bindContainer(id: string, worker: PodWorker): void;
  unbindContainer(id: string): void;
  removeWorker(worker: PodWorker): void;
  reportError(err: unknown): void;
}

const CONFIG_RETRY_MS = 10_000;
const SANDBOX_RETRY_MS = 5_000;
const VOLUME_RETRY_MS = 10_000;
const DEFAULT_GRACE_SECONDS = 30;

/** Go's time.Duration formatting for whole seconds: 10s, 1m20s, 5m0s. */
export function formatDuration(ms: number): string {
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

function signalNumber(signal: string | undefined): number | undefined {
  if (!signal) return undefined;
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
  return table[signal];
}

type ContainerKind = 'init' | 'sidecar' | 'app';

export class PodWorker {
  readonly uid: string;
  readonly key: string;
  record: PodRecord;
  pod: Pod;
  private running = false;
  private dirty = false;
  private done = false;
  private paused = false;
  private loopPromise: Promise<void> = Promise.resolve();
  private wake: { at: number; timer: TimerHandle } | undefined;
  private failures = 0;
  private readonly probes = new Map<string, ProbeWorker>();
  private readonly pendingKills = new Map<string, { id: string; message: string; grace?: number }>();
  private terminating = false;
  private graceDeadline: number | undefined;
  private volumePaths: Map<string, string> | undefined;
  private lastSaved = '';
  private lastSentStatus = '';

  constructor(
    private readonly ctx: WorkerContext,
    pod: Pod,
    record?: PodRecord,
  ) {
    this.uid = pod.metadata?.uid ?? record?.uid ?? '';
    this.key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    this.pod = pod;
    this.record = record ?? {
      uid: this.uid,
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      pod,
      sandboxReady: false,
      startTime: ctx.clock.now(),
      initialized: false,
      containers: {},
    };
    for (const r of Object.values(this.record.containers)) if (r.id) ctx.bindContainer(r.id, this);
  }

  get dir(): string {
    return podDir(this.ctx.stateDir, this.uid);
  }

  get isTerminating(): boolean {
    return this.terminating;
  }

  // ---------------------------------------------------------------------------
  // Scheduling syncs.

  request(): void {
    if (this.done || this.paused) return;
    this.dirty = true;
    if (!this.running) {
      this.running = true;
      this.loopPromise = this.loop();
    }
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && !this.done && !this.paused) {
        this.dirty = false;
        try {
          await this.sync();
          this.failures = 0;
        } catch (err) {
          this.ctx.reportError(err);
          this.failures++;
          this.wakeAt(this.ctx.clock.now() + Math.min(1000 * 2 ** (this.failures - 1), 30_000));
        }
      }
    } finally {
      this.running = false;
    }
  }

  private wakeAt(at: number): void {
    if (this.done || this.paused) return;
    if (this.wake && this.wake.at <= at) return;
    this.wake?.timer.cancel();
    const timer = this.ctx.clock.setTimeout(
      () => {
        if (this.wake?.timer === timer) this.wake = undefined;
        this.request();
      },
      Math.max(0, at - this.ctx.clock.now()),
    );
    this.wake = { at, timer };
  }

  /** Stop syncing (agent shutdown): timers and probes stop, containers keep running. */
  async pause(): Promise<void> {
    this.paused = true;
    this.wake?.timer.cancel();
    this.wake = undefined;
    await this.loopPromise;
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
    this.save();
  }

  /** Node shutdown: stop the containers gracefully and mark the pod Failed, as kubelet's shutdown manager. */
  async shutdownPods(): Promise<void> {
    if (this.done || this.record.phase) return;
    const pod = this.pod;
    this.observe();
    await this.killAll(pod, pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS);
    this.record.phase = 'Failed';
    this.record.reason = 'Terminated';
    this.record.message = 'Pod was terminated in response to imminent node shutdown.';
    await this.finishTerminal(pod);
    try {
      await this.postStatus();
    } catch (err) {
      this.ctx.reportError(err);
    }
    this.save();
  }

  /**
   * Stop the containers gracefully for a restart of the whole node (`gitplane up`'s Ctrl-C):
   * unlike shutdownPods the pod is not failed, and the next agent on this state dir starts
   * its containers again at once (no crash back-off), so the pod keeps its identity.
   */
  async stopContainersForRestart(): Promise<void> {
    if (this.done || this.record.phase) return;
    const pod = this.pod;
    this.observe();
    await this.killAll(pod, pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS);
    this.observe();
    for (const r of Object.values(this.record.containers)) delete r.backOff;
    this.save();
  }

  /** A newer deletion asked for less grace: stop what runs sooner. */
  shortenGrace(pod: Pod): void {
    if (!this.terminating) return;
    const grace = pod.metadata?.deletionGracePeriodSeconds;
    if (grace === undefined) return;
    const deadline = this.ctx.clock.now() + grace * 1000;
    if (this.graceDeadline !== undefined && deadline >= this.graceDeadline) return;
    this.graceDeadline = deadline;
    for (const r of Object.values(this.record.containers)) {
      if (r.id && !r.terminated) void this.ctx.runtime.stopContainer(r.id, Math.max(0, deadline - this.ctx.clock.now())).catch((err) => this.ctx.reportError(err));
    }
  }

  /** Whether the pod projects this configMap or secret (so a change to it rewrites the files). */
  references(kind: 'configMap' | 'secret', namespace: string, name: string): boolean {
    if (this.record.namespace !== namespace) return false;
    for (const v of this.pod.spec?.volumes ?? []) {
      if (kind === 'configMap' && v.configMap?.name === name) return true;
      if (kind === 'secret' && v.secret?.secretName === name) return true;
      for (const s of v.projected?.sources ?? []) {
        if (kind === 'configMap' && s.configMap?.name === name) return true;
        if (kind === 'secret' && s.secret?.name === name) return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------
  // The sync.

  private rec(name: string): ContainerRecord {
    let r = this.record.containers[name];
    if (!r) {
      r = newContainerRecord(name);
      this.record.containers[name] = r;
    }
    return r;
  }

  private containerSpec(name: string): Container | undefined {
    return [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])].find((c) => c.name === name);
  }

  private async sync(): Promise<void> {
    const live = this.ctx.livePod(this.key, this.uid);
    if (live) {
      this.pod = live;
      this.record.pod = live;
    }
    if (!live || live.metadata?.deletionTimestamp) {
      await this.terminate(live);
      return;
    }
    const pod = live;
    const rec = this.record;
    this.observe();
    if (rec.phase) {
      await this.finishTerminal(pod);
      await this.postStatus();
      this.save();
      return;
    }
    const now = this.ctx.clock.now();
    const ads = pod.spec?.activeDeadlineSeconds;
    if (typeof ads === 'number') {
      const deadline = rec.startTime + ads * 1000;
      if (now >= deadline) {
        const message = 'Pod was active on the node longer than the specified deadline';
        this.event('Warning', 'DeadlineExceeded', message);
        rec.reason = 'DeadlineExceeded';
        rec.message = message;
        await this.killAll(pod, pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS);
        rec.phase = 'Failed';
        await this.finishTerminal(pod);
        await this.postStatus();
        this.save();
        return;
      }
      this.wakeAt(deadline);
    }
    if (!(await this.ensureSandbox(pod))) {
      await this.postStatus();
      this.save();
      return;
    }
    const volumes = await this.ensureVolumes(pod);
    if (!volumes) {
      await this.postStatus();
      this.save();
      return;
    }
    await this.handleProbeKills(pod);

    const inits = pod.spec?.initContainers ?? [];
    if (!rec.initialized) {
      if (await this.runInitContainers(pod, volumes)) rec.initialized = true;
    } else {
      for (const c of inits) if (c.restartPolicy === 'Always') await this.ensureContainer(pod, c, volumes, 'sidecar');
    }
    if (!rec.phase && rec.initialized) {
      for (const c of pod.spec?.containers ?? []) await this.ensureContainer(pod, c, volumes, 'app');
    }
    this.observe();
    if (!rec.phase) {
      const phase = podPhase(pod, rec);
      if (phase === 'Succeeded' || phase === 'Failed') rec.phase = phase;
    }
    if (rec.phase) await this.finishTerminal(pod);
    else this.syncProbes(pod);
    await this.postStatus();
    this.save();
  }

  /** Init containers in order; true once all have completed (sidecars: started). */
  private async runInitContainers(pod: Pod, volumes: Map<string, string>): Promise<boolean> {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    for (const c of pod.spec?.initContainers ?? []) {
      const r = this.rec(c.name);
      if (c.restartPolicy === 'Always') {
        await this.ensureContainer(pod, c, volumes, 'sidecar');
        this.observe();
        this.applyProbeDefaults(c, r);
        if (!(isRunning(r) && r.started)) return false;
        continue;
      }
      if (r.terminated && r.terminated.exitCode === 0 && !r.waiting) continue;
      if (r.id && !r.terminated) return false; // running
      if (r.terminated && r.terminated.exitCode !== 0 && policy === 'Never') {
        this.record.phase = 'Failed';
        return false;
      }
      await this.ensureContainer(pod, c, volumes, 'init');
      this.observe();
      if (r.terminated && r.terminated.exitCode === 0 && !r.waiting) continue;
      if (r.terminated && r.terminated.exitCode !== 0 && policy === 'Never') {
        this.record.phase = 'Failed';
      }
      return false;
    }
    return true;
  }

  private shouldRestart(pod: Pod, kind: ContainerKind, t: Termination): boolean {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (kind === 'sidecar') return true;
    if (kind === 'init') return t.exitCode !== 0 && policy !== 'Never';
    return policy === 'Always' || (policy === 'OnFailure' && t.exitCode !== 0);
  }

  /** kubelet's flowcontrol.Backoff: is the container still backing off since it finished? */
  private inBackOff(r: ContainerRecord, eventTime: number, now: number): boolean {
    if (!r.backOff) return false;
    if (now - r.backOff.lastUpdate > 2 * this.ctx.maxBackOffMs) return false;
    return now - eventTime < r.backOff.ms;
  }

  private nextBackOff(r: ContainerRecord, eventTime: number, now: number): void {
    if (!r.backOff || eventTime - r.backOff.lastUpdate > 2 * this.ctx.maxBackOffMs) r.backOff = { ms: this.ctx.backOffMs, lastUpdate: now };
    else r.backOff = { ms: Math.min(r.backOff.ms * 2, this.ctx.maxBackOffMs), lastUpdate: now };
  }

  private podRef(): string {
    return `${this.record.name}_${this.record.namespace}(${this.uid})`;
  }

  /** Start the container if it never ran, or restart it as its policy and back-off allow. */
  private async ensureContainer(pod: Pod, c: Container, volumes: Map<string, string>, kind: ContainerKind): Promise<void> {
    const r = this.rec(c.name);
    if (r.id && !r.terminated) {
      // The image changed (the one container field a pod update may change): restart with it.
      if (!(r.image !== undefined && r.image !== c.image && isRunning(r))) return;
      const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      await this.killContainer(pod, c, this.ctx.clock.now() + grace * 1000, `Container ${c.name} definition changed, will be restarted`);
      if (!r.terminated) return;
      await this.startContainer(pod, c, volumes);
      return;
    }
    const now = this.ctx.clock.now();
    if (r.waiting?.reason === 'CreateContainerConfigError' || r.waiting?.reason === 'CreateContainerError') {
      if (r.retryAt !== undefined && now < r.retryAt) {
        this.wakeAt(r.retryAt);
        return;
      }
      await this.startContainer(pod, c, volumes);
      return;
    }
    if (!r.terminated) {
      await this.startContainer(pod, c, volumes);
      return;
    }
    if (!this.shouldRestart(pod, kind, r.terminated)) {
      r.waiting = undefined;
      return;
    }
    const finished = r.terminated.finishedAt;
    if (this.inBackOff(r, finished, now)) {
      const message = `back-off ${formatDuration(r.backOff!.ms)} restarting failed container=${c.name} pod=${this.podRef()}`;
      if (r.waiting?.message !== message) this.event('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${this.podRef()}`, c.name);
      r.waiting = { reason: 'CrashLoopBackOff', message };
      this.wakeAt(finished + r.backOff!.ms);
      return;
    }
    this.nextBackOff(r, finished, now);
    await this.startContainer(pod, c, volumes);
  }

  private sandbox(pod: Pod): PodSandbox {
    return {
      id: this.uid,
      namespace: this.record.namespace,
      name: this.record.name,
      uid: this.uid,
      hostname: podHostname(pod),
      network: this.record.network ?? { ip: this.ctx.hostIP },
      cgroupParent: `gitplane/pod-${this.uid}`,
    };
  }

  private addresses(): { podIP: string; hostIP: string } {
    const hostNetwork = this.pod.spec?.hostNetwork === true;
    return { podIP: hostNetwork ? this.ctx.hostIP : (this.record.network?.ip ?? ''), hostIP: this.ctx.hostIP };
  }

  private async startContainer(pod: Pod, c: Container, volumes: Map<string, string>): Promise<void> {
    const r = this.rec(c.name);
    const now = this.ctx.clock.now();
    let config: Omit<ContainerConfig, 'id' | 'logPath'>;
    try {
      const env = await containerEnv(pod, c, this.addresses(), this.ctx.envSources, podHostname(pod));
      const argv = containerArgv(c, env);
      if (argv.length === 0 && this.ctx.runtimeName !== 'runc') {
        throw new ConfigError(
          `container "${c.name}" has neither command nor args: the ${this.ctx.runtimeName} runtime has no image ENTRYPOINT or CMD to fall back on, so the pod spec must say what to run`,
        );
      }
      const limits = c.resources?.limits ?? {};
      const requests = c.resources?.requests ?? {};
      const security = { ...pod.spec?.securityContext, ...c.securityContext };
      config = {
        name: c.name,
        image: c.image ?? '',
        argv,
        env,
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        mounts: containerMounts(pod, c, volumes, env),
        resources: {
          ...(limits.memory !== undefined ? { memoryLimit: quantityBytes(limits.memory) } : {}),
          ...(limits.cpu !== undefined ? { cpuLimitMillis: quantityMillis(limits.cpu) } : {}),
          ...((requests.cpu ?? limits.cpu) !== undefined ? { cpuRequestMillis: quantityMillis((requests.cpu ?? limits.cpu)!) } : {}),
        },
        ...(security.runAsUser !== undefined ? { runAsUser: security.runAsUser } : {}),
        ...(security.runAsGroup !== undefined ? { runAsGroup: security.runAsGroup } : {}),
        ...(c.securityContext?.readOnlyRootFilesystem !== undefined ? { readOnlyRootFilesystem: c.securityContext.readOnlyRootFilesystem } : {}),
      };
    } catch (err) {
      if (err instanceof ConfigError || err instanceof VolumeError || (err instanceof Error && /quantity/.test(err.message))) {
        r.waiting = { reason: 'CreateContainerConfigError', message: err.message };
        r.retryAt = now + CONFIG_RETRY_MS;
        this.event('Warning', 'Failed', `Error: ${err.message}`, c.name);
        this.wakeAt(r.retryAt);
        return;
      }
      throw err;
    }
    if (!this.record.limitsWarned && !this.ctx.runtimeInfo.enforcesLimits && (config.resources.memoryLimit !== undefined || config.resources.cpuLimitMillis !== undefined)) {
      this.record.limitsWarned = true;
      this.event('Warning', 'LimitsNotEnforced', `resource limits are not enforced by this runtime (${this.ctx.runtimeInfo.version})`);
    }
    const attempt = r.attempts++;
    const id = `${this.uid}-${c.name}-${attempt}`;
    const oldId = r.id;
    if (r.terminated) {
      r.lastTerminated = r.terminated;
      r.restartCount++;
    }
    r.terminated = undefined;
    r.waiting = undefined;
    r.retryAt = undefined;
    r.id = id;
    r.attempt = attempt;
    r.image = c.image;
    r.startedAt = undefined;
    r.ready = false;
    r.started = false;
    r.postStartDone = false;
    if (oldId && oldId !== id) {
      this.ctx.unbindContainer(oldId);
      await this.ctx.runtime.removeContainer(oldId).catch((err) => this.ctx.reportError(err));
    }
    this.pruneLogs(c.name, r);
    const paths = logPaths(this.dir, c.name, attempt);
    fs.mkdirSync(path.dirname(paths.raw), { recursive: true });
    fs.writeFileSync(paths.raw, '', { flag: 'a' });
    this.ctx.bindContainer(id, this);
    this.save();
    try {
      await this.ctx.runtime.startContainer(this.sandbox(pod), { ...config, id, logPath: paths.raw });
    } catch (err) {
      const message = (err as Error).message;
      r.terminated = { exitCode: 128, reason: 'StartError', message, startedAt: now, finishedAt: this.ctx.clock.now(), id, attempt };
      this.event('Warning', 'Failed', `Error: ${message}`, c.name);
      return;
    }
    this.ctx.logs.collect(id, paths);
    this.event('Normal', 'Created', `Created container ${c.name}`, c.name);
    this.event('Normal', 'Started', `Started container ${c.name}`, c.name);
    this.observe();
    if (c.lifecycle?.postStart && isRunning(r)) {
      const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      const result = await this.runHook(c, id, 'postStart', Math.max(1, grace) * 1000);
      if (!result.ok) {
        const message = `PostStartHook failed: ${result.message}`.trim();
        this.event('Warning', 'FailedPostStartHook', message, c.name);
        await this.killContainer(pod, c, this.ctx.clock.now() + grace * 1000, `FailedPostStartHook`);
      }
    }
    r.postStartDone = true;
  }

  private pruneLogs(name: string, r: ContainerRecord): void {
    const keep = new Set<string>();
    if (r.attempt !== undefined) keep.add(String(r.attempt));
    const last = lastTermination(r);
    if (last) keep.add(String(last.attempt));
    const dir = path.join(this.dir, 'logs', name);
    let files: string[];
    try {
      files = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const f of files) {
      const attempt = f.split('.')[0];
      if (!keep.has(attempt)) fs.rmSync(path.join(dir, f), { force: true });
    }
  }

  private async runHook(c: Container, id: string, which: 'postStart' | 'preStop', timeoutMs: number): Promise<ProbeResult> {
    const handler = c.lifecycle?.[which];
    if (!handler) return { ok: true, message: '' };
    if (handler.sleep) {
      const ms = Math.min(Math.max(0, handler.sleep.seconds * 1000), Math.max(0, timeoutMs));
      await new Promise<void>((resolve) => this.ctx.clock.setTimeout(resolve, ms));
      return { ok: true, message: '' };
    }
    return runAction(handler, { podIP: this.addresses().podIP, container: c, containerId: id, runtime: this.ctx.runtime }, Math.max(1, timeoutMs));
  }

  /** Record what the runtime says about the current instances (exits, mostly). */
  private observe(): void {
    const now = this.ctx.clock.now();
    for (const r of Object.values(this.record.containers)) {
      if (!r.id || r.terminated) continue;
      const st = this.ctx.runtime.status(r.id);
      if (st.state === 'running') {
        r.startedAt ??= st.startedAt;
        if (!this.ctx.logs.get(r.id)) this.ctx.logs.collect(r.id, logPaths(this.dir, r.name, r.attempt ?? 0));
      } else if (st.state === 'exited') {
        const signal = signalNumber(st.signal);
        r.terminated = {
          exitCode: st.exitCode,
          ...(signal !== undefined ? { signal } : {}),
          reason: st.reason,
          startedAt: r.startedAt ?? st.startedAt,
          finishedAt: st.finishedAt,
          id: r.id,
          attempt: r.attempt ?? 0,
        };
        r.startedAt ??= st.startedAt;
        this.containerEnded(r);
      } else if (st.state === 'unknown') {
        r.terminated = {
          exitCode: 137,
          reason: 'ContainerStatusUnknown',
          message: 'The container could not be located when the pod was terminated',
          startedAt: r.startedAt ?? now,
          finishedAt: now,
          id: r.id,
          attempt: r.attempt ?? 0,
        };
        this.containerEnded(r);
      }
    }
  }

  private containerEnded(r: ContainerRecord): void {
    r.ready = false;
    r.started = false;
    const id = r.id!;
    for (const [key, p] of this.probes) {
      if (key.startsWith(`${id}/`)) {
        p.stop();
        this.probes.delete(key);
      }
    }
    this.pendingKills.delete(r.name);
    this.ctx.logs.collect(id, logPaths(this.dir, r.name, r.attempt ?? 0));
    this.ctx.logs.finish(id);
  }

  // ---------------------------------------------------------------------------
  // Sandbox and volumes.

  private async ensureSandbox(pod: Pod): Promise<boolean> {
    const rec = this.record;
    if (rec.sandboxReady) return true;
    try {
      const hostNetwork = pod.spec?.hostNetwork === true;
      if (!rec.network) rec.network = hostNetwork ? { ip: this.ctx.hostIP } : await this.ctx.network.setUp(pod);
      if (!hostNetwork && (!rec.network.hostsFile || !rec.network.resolvConf)) {
        const files = writeDnsFiles(this.dir, pod, rec.network.ip, this.ctx.dnsServiceIP, this.ctx.clusterDomain);
        rec.network = { ...rec.network, hostsFile: rec.network.hostsFile ?? files.hostsFile, resolvConf: rec.network.resolvConf ?? files.resolvConf };
      }
      this.save();
      await this.ctx.runtime.createSandbox(this.sandbox(pod));
      rec.sandboxReady = true;
      this.save();
      return true;
    } catch (err) {
      this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      this.wakeAt(this.ctx.clock.now() + SANDBOX_RETRY_MS);
      return false;
    }
  }

  private async ensureVolumes(pod: Pod): Promise<Map<string, string> | undefined> {
    try {
      this.volumePaths = await setUpVolumes(pod, this.dir, this.addresses(), this.ctx.volumeSources);
      return this.volumePaths;
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      this.event('Warning', 'FailedMount', err.message);
      this.wakeAt(this.ctx.clock.now() + VOLUME_RETRY_MS);
      // A running pod keeps what it had (kube keeps the old files when an update fails).
      return this.record.initialized || Object.values(this.record.containers).some((r) => r.attempts > 0) ? this.volumePaths : undefined;
    }
  }

  // ---------------------------------------------------------------------------
  // Probes.

  private applyProbeDefaults(c: Container, r: ContainerRecord): void {
    if (!isRunning(r)) return;
    if (!c.startupProbe && !r.started) r.started = true;
    if (!c.readinessProbe) r.ready = r.started;
  }

  private syncProbes(pod: Pod): void {
    const live = new Set<string>();
    const containers = [...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])];
    for (const c of containers) {
      const r = this.record.containers[c.name];
      if (!r || !isRunning(r)) continue;
      this.applyProbeDefaults(c, r);
      const id = r.id!;
      const kinds: Array<[ProbeKind, typeof c.startupProbe]> = [
        ['startup', c.startupProbe],
        ['liveness', c.livenessProbe],
        ['readiness', c.readinessProbe],
      ];
      for (const [kind, probe] of kinds) {
        if (!probe) continue;
        if (kind === 'startup' && r.started) continue;
        const key = `${id}/${kind}`;
        live.add(key);
        if (this.probes.has(key)) continue;
        const worker = new ProbeWorker({
          kind,
          probe,
          target: { podIP: this.addresses().podIP, container: c, containerId: id, runtime: this.ctx.runtime },
          clock: this.ctx.clock,
          startedAt: r.startedAt ?? this.ctx.clock.now(),
          gate: () => {
            const cur = this.record.containers[c.name];
            return cur?.id === id && cur.started;
          },
          onChange: (ok) => this.probeResult(c, id, kind, ok),
          onFailure: (message) => this.event('Warning', 'Unhealthy', `${PROBE_TITLE[kind]} probe failed: ${message}`.trim(), c.name),
        });
        if (kind === 'readiness') worker.result = r.ready;
        this.probes.set(key, worker);
        worker.start();
      }
    }
    for (const [key, p] of this.probes) {
      if (live.has(key)) continue;
      p.stop();
      this.probes.delete(key);
    }
  }

  private probeResult(c: Container, id: string, kind: ProbeKind, ok: boolean): void {
    const r = this.record.containers[c.name];
    if (!r || r.id !== id || r.terminated) return;
    if (kind === 'readiness') {
      r.ready = ok;
    } else if (kind === 'startup') {
      if (ok) {
        r.started = true;
        if (!c.readinessProbe) r.ready = true;
      } else {
        this.pendingKills.set(c.name, { id, message: `Container ${c.name} failed startup probe, will be restarted`, grace: c.startupProbe?.terminationGracePeriodSeconds });
      }
    } else if (!ok) {
      this.pendingKills.set(c.name, { id, message: `Container ${c.name} failed liveness probe, will be restarted`, grace: c.livenessProbe?.terminationGracePeriodSeconds });
    }
    this.request();
  }

  private async handleProbeKills(pod: Pod): Promise<void> {
    for (const [name, kill] of [...this.pendingKills]) {
      this.pendingKills.delete(name);
      const c = this.containerSpec(name);
      const r = this.record.containers[name];
      if (!c || !r || r.id !== kill.id || r.terminated) continue;
      const grace = kill.grace ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      await this.killContainer(pod, c, this.ctx.clock.now() + grace * 1000, kill.message);
    }
  }

  // ---------------------------------------------------------------------------
  // Stopping.

  /** preStop (within the grace period), then SIGTERM and SIGKILL at the deadline. */
  private async killContainer(pod: Pod, c: Container, deadline: number, message?: string): Promise<void> {
    void pod;
    const r = this.record.containers[c.name];
    const id = r?.id;
    if (!r || !id || r.terminated) return;
    this.event('Normal', 'Killing', message ?? `Stopping container ${c.name}`, c.name);
    for (const [key, p] of this.probes) {
      if (key.startsWith(`${id}/`)) {
        p.stop();
        this.probes.delete(key);
      }
    }
    if (c.lifecycle?.preStop && this.ctx.runtime.status(id).state === 'running') {
      const result = await this.runHook(c, id, 'preStop', deadline - this.ctx.clock.now());
      if (!result.ok) this.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${result.message}`.trim(), c.name);
    }
    const effective = Math.min(deadline, this.graceDeadline ?? Infinity);
    await this.ctx.runtime.stopContainer(id, Math.max(0, effective - this.ctx.clock.now()));
    this.observe();
  }

  /** Stop every running container: the regular ones first, then sidecars (in reverse order). */
  private async killAll(pod: Pod, graceSeconds: number): Promise<void> {
    const deadline = this.ctx.clock.now() + Math.max(0, graceSeconds) * 1000;
    this.graceDeadline = Math.min(this.graceDeadline ?? Infinity, deadline);
    const inits = pod.spec?.initContainers ?? [];
    const regular = [...inits.filter((c) => c.restartPolicy !== 'Always'), ...(pod.spec?.containers ?? [])];
    const sidecars = inits.filter((c) => c.restartPolicy === 'Always').reverse();
    const running = (c: Container) => {
      const r = this.record.containers[c.name];
      return !!r?.id && !r.terminated;
    };
    await Promise.all(regular.filter(running).map((c) => this.killContainer(pod, c, deadline)));
    for (const c of sidecars.filter(running)) await this.killContainer(pod, c, deadline);
    this.observe();
  }

  /** A pod that reached Succeeded or Failed: nothing runs any more; the sandbox and network go. */
  private async finishTerminal(pod: Pod): Promise<void> {
    const anyRunning = Object.values(this.record.containers).some((r) => r.id && !r.terminated);
    if (anyRunning) await this.killAll(pod, pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS);
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
    if (this.record.sandboxReady) {
      await this.ctx.runtime.removeSandbox(this.sandbox(pod)).catch((err) => this.ctx.reportError(err));
      this.record.sandboxReady = false;
      if (pod.spec?.hostNetwork !== true) await this.ctx.network.tearDown(pod).catch((err) => this.ctx.reportError(err));
    }
  }

  /** The pod is being deleted (or is gone): stop it gracefully, clean up, finish the deletion. */
  private async terminate(live: Pod | undefined): Promise<void> {
    const pod = live ?? this.pod;
    this.terminating = true;
    this.observe();
    const grace = live?.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    await this.killAll(pod, grace);
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
    this.wake?.timer.cancel();
    this.wake = undefined;
    for (const r of Object.values(this.record.containers)) {
      if (!r.id) continue;
      this.ctx.logs.finish(r.id);
      this.ctx.unbindContainer(r.id);
      await this.ctx.runtime.removeContainer(r.id).catch((err) => this.ctx.reportError(err));
    }
    if (this.record.sandboxReady || this.record.network) {
      await this.ctx.runtime.removeSandbox(this.sandbox(pod)).catch((err) => this.ctx.reportError(err));
      this.record.sandboxReady = false;
      if (pod.spec?.hostNetwork !== true) await this.ctx.network.tearDown(pod);
    }
    await tearDownVolumes(this.dir);
    if (live) {
      try {
        await this.ctx.client.pods.namespace(this.record.namespace).delete(this.record.name, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.done = true;
    this.ctx.removeWorker(this);
  }

  // ---------------------------------------------------------------------------
  // Status and records.

  private async postStatus(): Promise<void> {
    const live = this.ctx.livePod(this.key, this.uid);
    if (!live || live.metadata?.deletionTimestamp) return;
    const ctx = { runtimeName: this.ctx.runtimeName, hostIP: this.ctx.hostIP, now: this.ctx.clock.now() };
    const status = buildPodStatus(live, this.record, ctx);
    if (deepEqual(live.status ?? {}, status)) return;
    const sent = JSON.stringify(status);
    if (sent === this.lastSentStatus) return;
    const pods = this.ctx.client.pods.namespace(this.record.namespace);
    let target: Pod = live;
    for (let attempt = 0; ; attempt++) {
      try {
        const next = attempt === 0 ? status : buildPodStatus(target, this.record, ctx);
        await pods.updateStatus({ ...target, status: next });
        this.lastSentStatus = JSON.stringify(buildPodStatus(live, this.record, ctx));
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 3) throw err;
        target = await pods.get(this.record.name);
        if (target.metadata?.uid !== this.uid || target.metadata?.deletionTimestamp) return;
      }
    }
  }

  save(): void {
    if (this.done) return;
    const text = JSON.stringify(this.record);
    if (text === this.lastSaved) return;
    saveRecord(this.ctx.stateDir, this.record);
    this.lastSaved = text;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void {
    const pod = this.pod;
    let fieldPath: string | undefined;
    if (container) {
      const inits = pod.spec?.initContainers ?? [];
      const i = inits.findIndex((c) => c.name === container);
      fieldPath = i >= 0 ? `spec.initContainers{${container}}` : `spec.containers{${container}}`;
    }
    this.ctx.events.event(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: this.record.name, namespace: this.record.namespace, uid: this.uid, resourceVersion: pod.metadata?.resourceVersion } },
      type,
      reason,
      message,
      fieldPath,
    );
  }
}
