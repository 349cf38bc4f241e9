// What the agent remembers about each pod and container, persisted under
// <stateDir>/pods/<uid>/record.json so a restarted agent adopts the running
// containers instead of starting them again.

import fs from 'node:fs';
import path from 'node:path';
import type { Pod } from '../../api/generated/index.js';
import type { PodNetwork } from '../runtime/types.js';

export interface Termination {
  exitCode: number;
  /** Signal number, when a signal ended it. */
  signal?: number;
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
  /** Runtime container id of the instance that ended. */
  id: string;
  /** Its attempt number (for its log files). */
  attempt: number;
}

export interface ContainerRecord {
  name: string;
  /** Instances started so far; the next attempt number. */
  attempts: number;
  /** The current (latest) instance. */
  id?: string;
  attempt?: number;
  /** The image the current instance runs. */
  image?: string;
  restartCount: number;
  startedAt?: number;
  /** The current instance has ended. */
  terminated?: Termination;
  /** The instance before the current one ended so. */
  lastTerminated?: Termination;
  /** Crash-loop back-off, as kubelet's flowcontrol.Backoff entry. */
  backOff?: { ms: number; lastUpdate: number };
  /** Why the container is waiting (CrashLoopBackOff, CreateContainerConfigError, ...). */
  waiting?: { reason: string; message?: string };
  /** Retry a failed creation no earlier than this. */
  retryAt?: number;
  ready: boolean;
  started: boolean;
  /** postStart has run for the current instance. */
  postStartDone?: boolean;
}

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  /** The pod as last seen (to clean up after it was deleted while the agent was down). */
  pod: Pod;
  network?: PodNetwork;
  sandboxReady: boolean;
  startTime: number;
  initialized: boolean;
  containers: Record<string, ContainerRecord>;
  /** Reached a terminal phase (never left). */
  phase?: 'Succeeded' | 'Failed';
  reason?: string;
  message?: string;
  limitsWarned?: boolean;
}

export function podsDir(stateDir: string): string {
  return path.join(stateDir, 'pods');
}

export function podDir(stateDir: string, uid: string): string {
  return path.join(podsDir(stateDir), uid);
}

export function saveRecord(stateDir: string, record: PodRecord): void {
  const dir = podDir(stateDir, record.uid);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'record.json');
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record));
  fs.renameSync(tmp, file);
}

export function loadRecords(stateDir: string): PodRecord[] {
  let uids: string[];
  try {
    uids = fs.readdirSync(podsDir(stateDir));
  } catch {
    return [];
  }
  const out: PodRecord[] = [];
  for (const uid of uids) {
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(podDir(stateDir, uid), 'record.json'), 'utf8')) as PodRecord);
    } catch {
      // no record (half-written pod directory): cleaned up with orphans
    }
  }
  return out;
}

export function newContainerRecord(name: string): ContainerRecord {
  return { name, attempts: 0, restartCount: 0, ready: false, started: false };
}
