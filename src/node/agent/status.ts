// The pod status the agent posts, from its records: phase (kubelet's
// getPhase), conditions (Initialized, ContainersReady, Ready with readiness
// gates, PodScheduled kept), container and init container statuses
// (waiting / running / terminated, lastState, restartCount, ready, started,
// image, imageID, containerID "<runtime>://<id>"), IPs and startTime.

import { createHash } from 'node:crypto';
import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus, Pod, PodCondition, PodStatus } from '../../api/generated/index.js';
import { apiTime } from '../simulated/node-object.js';
import type { ContainerRecord, PodRecord, Termination } from './records.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export function imageID(image: string): string {
  const name = image.split('@')[0].replace(/:[^/:]*$/, '');
  return `${name}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function terminatedState(t: Termination, runtimeName: string): ContainerStateTerminated {
  return {
    exitCode: t.exitCode,
    ...(t.signal !== undefined ? { signal: t.signal } : {}),
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    startedAt: apiTime(t.startedAt),
    finishedAt: apiTime(t.finishedAt),
    containerID: `${runtimeName}://${t.id}`,
  };
}

export function isRunning(r: ContainerRecord | undefined): boolean {
  return !!r && r.id !== undefined && r.terminated === undefined && r.startedAt !== undefined;
}

/** The termination a container's lastState shows (and `previous` logs read). */
export function lastTermination(r: ContainerRecord): Termination | undefined {
  return r.waiting && r.terminated ? r.terminated : r.lastTerminated;
}

export function containerStatus(c: Container, r: ContainerRecord | undefined, runtimeName: string, init: boolean, pendingReason: string): ContainerStatus {
  const image = c.image ?? '';
  const base = { name: c.name, image, imageID: imageID(image) };
  if (!r || (r.attempts === 0 && !r.waiting)) {
    return { ...base, state: { waiting: { reason: pendingReason } }, lastState: {}, ready: false, restartCount: r?.restartCount ?? 0, started: false };
  }
  let state: ContainerState;
  const running = isRunning(r);
  if (running) state = { running: { startedAt: apiTime(r.startedAt!) } };
  else if (r.waiting) state = { waiting: { reason: r.waiting.reason, ...(r.waiting.message ? { message: r.waiting.message } : {}) } };
  else if (r.terminated) state = { terminated: terminatedState(r.terminated, runtimeName) };
  else state = { waiting: { reason: 'ContainerCreating' } };
  const last = lastTermination(r);
  const sidecar = init && c.restartPolicy === 'Always';
  const ready = init && !sidecar ? !running && r.terminated?.exitCode === 0 && !r.waiting : running && r.ready;
  return {
    ...base,
    state,
    lastState: last ? { terminated: terminatedState(last, runtimeName) } : {},
    ready,
    restartCount: r.restartCount,
    ...(r.id ? { containerID: `${runtimeName}://${r.id}` } : {}),
    started: running && r.started,
  };
}

/** kubelet's getPhase over the app containers. */
export function podPhase(pod: Pod, record: PodRecord): PodPhase {
  if (record.phase) return record.phase;
  if (!record.initialized) return 'Pending';
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = record.containers[c.name];
    if (isRunning(r)) running++;
    else if (r?.terminated && !r.waiting) {
      stopped++;
      if (r.terminated.exitCode === 0) succeeded++;
    } else if (r?.terminated || r?.lastTerminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export interface StatusContext {
  runtimeName: string;
  hostIP: string;
  now: number;
}

export function buildPodStatus(pod: Pod, record: PodRecord, ctx: StatusContext): PodStatus {
  const current = pod.status ?? {};
  const phase = podPhase(pod, record);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const inits = pod.spec?.initContainers ?? [];
  const containers = pod.spec?.containers ?? [];
  const initStatuses = inits.map((c) => containerStatus(c, record.containers[c.name], ctx.runtimeName, true, 'PodInitializing'));
  const appStatuses = containers.map((c) => containerStatus(c, record.containers[c.name], ctx.runtimeName, false, record.initialized || inits.length === 0 ? 'ContainerCreating' : 'PodInitializing'));

  const previous = new Map((current.conditions ?? []).map((c) => [c.type, c]));
  const condition = (type: string, status: PodCondition['status'], reason?: string, message?: string): PodCondition => {
    const prev = previous.get(type);
    const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : apiTime(ctx.now);
    return { type, status, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  };
  const incomplete = inits.filter((c, i) => !(initStatuses[i].ready || (c.restartPolicy === 'Always' && initStatuses[i].started))).map((c) => c.name);
  const initialized =
    record.initialized || incomplete.length === 0
      ? condition('Initialized', 'True', phase === 'Succeeded' ? 'PodCompleted' : undefined)
      : condition('Initialized', 'False', 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`);
  const unready = containers.filter((_, i) => !appStatuses[i].ready).map((c) => c.name);
  let containersReady: PodCondition;
  if (phase === 'Succeeded') containersReady = condition('ContainersReady', 'False', 'PodCompleted');
  else if (unready.length === 0 && !terminal) containersReady = condition('ContainersReady', 'True');
  else containersReady = condition('ContainersReady', 'False', 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`);
  let ready: PodCondition = { ...containersReady, type: 'Ready' };
  ready = condition('Ready', ready.status, ready.reason, ready.message);
  if (ready.status === 'True') {
    const missing: string[] = [];
    const notTrue: string[] = [];
    for (const gate of pod.spec?.readinessGates ?? []) {
      const c = previous.get(gate.conditionType);
      if (!c) missing.push(gate.conditionType);
      else if (c.status !== 'True') notTrue.push(gate.conditionType);
    }
    if (missing.length || notTrue.length) {
      const msgs = [
        ...missing.map((t) => `corresponding condition of pod readiness gate "${t}" does not exist.`),
        ...notTrue.map((t) => `the status of pod readiness gate "${t}" is not "True", but False`),
      ];
      ready = condition('Ready', 'False', 'ReadinessGatesNotReady', msgs.join(', '));
    }
  }
  const owned = new Set(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']);
  const scheduled = previous.get('PodScheduled') ?? condition('PodScheduled', 'True');
  const conditions = [{ ...scheduled }, initialized, containersReady, ready, ...(current.conditions ?? []).filter((c) => !owned.has(c.type))];

  const hostNetwork = pod.spec?.hostNetwork === true;
  const podIP = hostNetwork ? ctx.hostIP : record.network?.ip;
  const status: PodStatus = {
    ...current,
    phase,
    conditions,
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: apiTime(record.startTime),
    containerStatuses: appStatuses,
    qosClass: current.qosClass ?? qosClass(pod),
  };
  if (inits.length > 0) status.initContainerStatuses = initStatuses;
  else delete status.initContainerStatuses;
  if (record.reason) status.reason = record.reason;
  if (record.message) status.message = record.message;
  if (!podIP) {
    delete status.podIP;
    delete status.podIPs;
  }
  return status;
}

export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
