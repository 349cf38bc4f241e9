// The life of a pod on a simulated node, after kwok's pod stages: containers
// start after a delay and then run; annotations make them exit after some
// seconds with some code, and the restart policy decides what follows
// (restart with crash-loop back-off, Succeeded, or Failed). A PodRun is what
// the "runtime" knows about one pod; `advance` moves it to a time and says
// when it next changes; `podStatus` renders the API status from it.

import { createHash } from 'node:crypto';
import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus, Pod, PodCondition, PodStatus } from '../../api/generated/index.js';
import { apiTime } from './node-object.js';

/** Exit with this code once the run time is over (default 0 when only the run time is set). */
export const EXIT_CODE_ANNOTATION = 'gitplane.io/simulate-exit-code';
/** Containers run this many seconds, then exit (default 0 when only the exit code is set). */
export const RUN_SECONDS_ANNOTATION = 'gitplane.io/simulate-run-seconds';
/** "true": containers run but never become ready. */
export const NEVER_READY_ANNOTATION = 'gitplane.io/simulate-never-ready';

export interface Termination {
  exitCode: number;
  reason: string;
  startedAt: number;
  finishedAt: number;
}

export interface ContainerRun {
  name: string;
  image: string;
  restartCount: number;
  /** Running since (undefined while waiting or terminated). */
  startedAt?: number;
  /** Waiting to be restarted until then (crash-loop back-off). */
  backOffUntil?: number;
  /** Exited for good. */
  terminated?: Termination;
  lastTerminated?: Termination;
}

export interface PodRun {
  uid: string;
  /** When the pod was first seen bound here; containers start at startAt. */
  seenAt: number;
  startAt: number;
  started: boolean;
  podIP: string;
  hostIP: string;
  containers: ContainerRun[];
}

export interface PodBehaviour {
  /** Milliseconds containers run before exiting; undefined: run forever. */
  runMs?: number;
  exitCode: number;
  neverReady: boolean;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
}

export interface LifecycleOptions {
  /** First crash-loop back-off; doubles per restart up to maxBackOffMs. */
  backOffMs: number;
  maxBackOffMs: number;
}

export function behaviourOf(pod: Pod): PodBehaviour {
  const annotations = pod.metadata?.annotations ?? {};
  const code = annotations[EXIT_CODE_ANNOTATION];
  const seconds = annotations[RUN_SECONDS_ANNOTATION];
  const exitCode = code !== undefined && /^-?\d+$/.test(code.trim()) ? Number(code.trim()) : undefined;
  const runSeconds = seconds !== undefined && Number.isFinite(Number(seconds)) && seconds.trim() !== '' ? Math.max(0, Number(seconds)) : undefined;
  const terminates = exitCode !== undefined || runSeconds !== undefined;
  return {
    ...(terminates ? { runMs: Math.round((runSeconds ?? 0) * 1000) } : {}),
    exitCode: exitCode ?? 0,
    neverReady: annotations[NEVER_READY_ANNOTATION] === 'true',
    restartPolicy: pod.spec?.restartPolicy ?? 'Always',
  };
}

/** A new run for a pod seen bound here at `now`; adopts what an earlier runtime reported. */
export function newPodRun(pod: Pod, now: number, startDelayMs: number, podIP: string, hostIP: string): PodRun {
  const status = pod.status ?? {};
  const previous = new Map((status.containerStatuses ?? []).map((c) => [c.name, c]));
  const adopted = status.phase === 'Running' && previous.size > 0;
  const containers = (pod.spec?.containers ?? []).map((c): ContainerRun => {
    const prev = adopted ? previous.get(c.name) : undefined;
    const since = parseTime(prev?.state?.running?.startedAt);
    return { name: c.name, image: c.image ?? '', restartCount: prev?.restartCount ?? 0, ...(since !== undefined ? { startedAt: since } : {}) };
  });
  const started = adopted && containers.every((c) => c.startedAt !== undefined);
  const startTime = parseTime(status.startTime);
  return {
    uid: pod.metadata?.uid ?? '',
    seenAt: started && startTime !== undefined ? startTime : now,
    startAt: started ? now : now + Math.max(0, startDelayMs),
    started,
    podIP,
    hostIP,
    containers: started ? containers : containers.map((c) => ({ name: c.name, image: c.image, restartCount: c.restartCount })),
  };
}

function backOff(restartCount: number, opts: LifecycleOptions): number {
  return Math.min(opts.backOffMs * 2 ** Math.max(0, restartCount - 1), opts.maxBackOffMs);
}

/** The most state changes one advance replays (a long pause with a fast crash loop). */
const MAX_STEPS = 64;

/**
 * Move the run forward to `now`. Returns when it next changes by itself (undefined: not
 * until something else happens).
 */
export function advance(run: PodRun, behaviour: PodBehaviour, now: number, opts: LifecycleOptions): number | undefined {
  if (!run.started) {
    if (now < run.startAt) return run.startAt;
    run.started = true;
    for (const c of run.containers) c.startedAt = run.startAt;
  }
  let next: number | undefined;
  const earliest = (t: number): void => {
    next = next === undefined ? t : Math.min(next, t);
  };
  for (const c of run.containers) {
    for (let step = 0; ; step++) {
      if (step >= MAX_STEPS) {
        earliest(now);
        break;
      }
      if (c.terminated) break;
      if (c.backOffUntil !== undefined) {
        if (now < c.backOffUntil) {
          earliest(c.backOffUntil);
          break;
        }
        c.startedAt = c.backOffUntil;
        delete c.backOffUntil;
        continue;
      }
      if (behaviour.runMs === undefined || c.startedAt === undefined) break;
      const end = c.startedAt + behaviour.runMs;
      if (now < end) {
        earliest(end);
        break;
      }
      const termination: Termination = {
        exitCode: behaviour.exitCode,
        reason: behaviour.exitCode === 0 ? 'Completed' : 'Error',
        startedAt: c.startedAt,
        finishedAt: end,
      };
      delete c.startedAt;
      const restart = behaviour.restartPolicy === 'Always' || (behaviour.restartPolicy === 'OnFailure' && behaviour.exitCode !== 0);
      if (!restart) {
        c.terminated = termination;
        break;
      }
      c.lastTerminated = termination;
      c.restartCount++;
      c.backOffUntil = end + backOff(c.restartCount, opts);
    }
  }
  return next;
}

export type PodPhase = NonNullable<PodStatus['phase']>;

export function phaseOf(run: PodRun): PodPhase {
  if (!run.started) return 'Pending';
  if (run.containers.length > 0 && run.containers.every((c) => c.terminated)) {
    return run.containers.every((c) => c.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  return 'Running';
}

const imageIDs = new Map<string, string>();

function imageID(image: string): string {
  let id = imageIDs.get(image);
  if (id === undefined) {
    const name = image.split('@')[0].replace(/:[^/:]*$/, '');
    id = `${name}@sha256:${createHash('sha256').update(image).digest('hex')}`;
    if (imageIDs.size > 10_000) imageIDs.clear();
    imageIDs.set(image, id);
  }
  return id;
}

function terminatedState(t: Termination, containerID: string): ContainerStateTerminated {
  return { exitCode: t.exitCode, reason: t.reason, startedAt: apiTime(t.startedAt), finishedAt: apiTime(t.finishedAt), containerID };
}

function containerStatus(uid: string, c: ContainerRun, ready: boolean): ContainerStatus {
  const containerID = `simulated://${uid}-${c.name}`;
  let state: ContainerState;
  if (c.terminated) state = { terminated: terminatedState(c.terminated, containerID) };
  else if (c.backOffUntil !== undefined)
    state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${uid}` } };
  else if (c.startedAt !== undefined) state = { running: { startedAt: apiTime(c.startedAt) } };
  else state = { waiting: { reason: 'ContainerCreating' } };
  const running = state.running !== undefined;
  return {
    name: c.name,
    state,
    lastState: c.lastTerminated ? { terminated: terminatedState(c.lastTerminated, containerID) } : {},
    ready: running && ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: imageID(c.image),
    containerID,
    started: running,
  };
}

function initContainerStatus(uid: string, c: Container, run: PodRun): ContainerStatus {
  const containerID = `simulated://${uid}-${c.name}`;
  const image = c.image ?? '';
  const at = apiTime(run.startAt);
  if (!run.started) {
    return { name: c.name, state: { waiting: { reason: 'PodInitializing' } }, lastState: {}, ready: false, restartCount: 0, image, imageID: imageID(image), started: false };
  }
  if (c.restartPolicy === 'Always') {
    // A sidecar: started with the pod and running alongside its containers.
    return { name: c.name, state: { running: { startedAt: at } }, lastState: {}, ready: true, restartCount: 0, image, imageID: imageID(image), containerID, started: true };
  }
  return {
    name: c.name,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at, containerID } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image,
    imageID: imageID(image),
    containerID,
    started: false,
  };
}

/**
 * The status the pod should have now: `current` supplies what the runtime does not own
 * (qosClass, other conditions) and the transition times of unchanged conditions.
 */
export function podStatus(pod: Pod, run: PodRun, behaviour: PodBehaviour, now: number): PodStatus {
  const current = pod.status ?? {};
  const phase = phaseOf(run);
  const uid = run.uid;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const containerStatuses = run.containers.map((c) => containerStatus(uid, c, !behaviour.neverReady));
  const allReady = run.started && !terminal && containerStatuses.length > 0 && containerStatuses.every((c) => c.ready);
  const previous = new Map((current.conditions ?? []).map((c) => [c.type, c]));
  const condition = (type: string, status: PodCondition['status'], reason?: string, message?: string): PodCondition => {
    const prev = previous.get(type);
    const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : apiTime(now);
    return { type, status, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  };
  const readiness = ((): [PodCondition['status'], string?, string?] => {
    if (allReady) return ['True'];
    if (terminal) return ['False', 'PodCompleted'];
    const waiting = containerStatuses.filter((c) => !c.ready).map((c) => c.name);
    return ['False', 'ContainersNotReady', `containers with unready status: [${waiting.join(' ')}]`];
  })();
  const initialized: [PodCondition['status'], string?] = run.started ? (terminal ? ['True', 'PodCompleted'] : ['True']) : ['False', 'ContainersNotInitialized'];
  const owned = new Set(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']);
  const conditions: PodCondition[] = [
    condition('PodScheduled', 'True'),
    condition('Initialized', ...initialized),
    condition('ContainersReady', ...readiness),
    condition('Ready', ...readiness),
    ...(current.conditions ?? []).filter((c) => !owned.has(c.type)),
  ];
  // The binding already wrote PodScheduled; keep its transition time.
  const scheduled = previous.get('PodScheduled');
  if (scheduled?.status === 'True') conditions[0] = { ...scheduled };

  const hostNetwork = pod.spec?.hostNetwork === true;
  const podIP = hostNetwork ? run.hostIP : run.podIP;
  const status: PodStatus = {
    ...current,
    phase,
    conditions,
    hostIP: run.hostIP,
    hostIPs: [{ ip: run.hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: current.startTime ?? apiTime(run.seenAt),
    containerStatuses,
  };
  const initContainers = pod.spec?.initContainers ?? [];
  if (initContainers.length > 0) status.initContainerStatuses = initContainers.map((c) => initContainerStatus(uid, c, run));
  return status;
}

export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
