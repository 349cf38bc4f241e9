/**
 * The Pod printer: printPod of kube-apiserver 1.31's pkg/printers/internalversion/printers.go,
 * including kubectl's familiar STATUS logic (Init:0/1, ContainerCreating, CrashLoopBackOff,
 * Completed, Terminating, ...) and RESTARTS as `3 (5m ago)`.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition } from '../../api/generated/index.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { humanDuration, parseTime, translateTimestampSince } from './human-duration.js';
import type { KindPrinter, PrintedRow, TableRowCondition } from './types.js';

/** Pod.status.reason the node lifecycle controller sets on pods of unreachable nodes. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

const POD_SUCCEEDED_CONDITIONS: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const POD_FAILED_CONDITIONS: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

function isRestartableInitContainer(container: Container | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function conditionIsTrue(conditions: readonly PodCondition[] | undefined, type: string): boolean {
  const found = (conditions ?? []).find((c) => c.type === type);
  return found?.status === 'True';
}

function hasPodReadyCondition(conditions: readonly PodCondition[] | undefined): boolean {
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isPodPhaseTerminal(phase: string): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** finishedAt of the last termination, in ms (0 for none, like Go's zero time). */
function lastTerminationTime(lastState: ContainerState | undefined): number {
  return parseTime(lastState?.terminated?.finishedAt) ?? 0;
}

export interface PodSummary {
  /** READY: `<ready>/<total>` (restartable init containers count). */
  ready: string;
  /** STATUS, as kubectl shows it. */
  status: string;
  /** RESTARTS: `3`, or `3 (5m ago)` when the last restart time is known. */
  restarts: string;
}

/** READY, STATUS and RESTARTS of a pod at time `now` (ms). */
export function podSummary(pod: Pod, now: number): PodSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const initContainerSpecs = spec?.initContainers ?? [];
  let restarts = 0;
  let restartableInitContainerRestarts = 0;
  let totalContainers = (spec?.containers ?? []).length;
  let readyContainers = 0;
  let lastRestartDate = 0;
  let lastRestartableInitContainerRestartDate = 0;

  const podPhase = status.phase ?? '';
  let reason: string = podPhase;
  if (status.reason) reason = status.reason;

  // A pod held back by scheduling gates.
  for (const condition of status.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, Container>();
  for (const container of initContainerSpecs) {
    initContainers.set(container.name, container);
    if (isRestartableInitContainer(container)) totalContainers++;
  }

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i];
    restarts += container.restartCount ?? 0;
    const terminatedDate = lastTerminationTime(container.lastState);
    if (lastRestartDate < terminatedDate) lastRestartDate = terminatedDate;
    const restartable = isRestartableInitContainer(initContainers.get(container.name));
    if (restartable) {
      restartableInitContainerRestarts += container.restartCount ?? 0;
      if (lastRestartableInitContainerRestartDate < terminatedDate) lastRestartableInitContainerRestartDate = terminatedDate;
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated !== undefined && terminated.exitCode === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      // Initialization failed.
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainerSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionIsTrue(status.conditions, 'Initialized')) {
    restarts = restartableInitContainerRestarts;
    lastRestartDate = lastRestartableInitContainerRestartDate;
    let hasRunning = false;
    const containerStatuses = status.containerStatuses ?? [];
    for (let i = containerStatuses.length - 1; i >= 0; i--) {
      const container = containerStatuses[i];
      restarts += container.restartCount ?? 0;
      const terminatedDate = lastTerminationTime(container.lastState);
      if (lastRestartDate < terminatedDate) lastRestartDate = terminatedDate;
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated !== undefined) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (container.ready && container.state?.running !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // Back to "Running" if at least one container is still running.
    if (reason === 'Completed' && hasRunning) reason = hasPodReadyCondition(status.conditions) ? 'Running' : 'NotReady';
  }

  if (pod.metadata?.deletionTimestamp && status.reason === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (pod.metadata?.deletionTimestamp && !isPodPhaseTerminal(podPhase)) {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestartDate !== 0) {
    restartsText = `${restarts} (${humanDuration(now - lastRestartDate)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function readinessGatesCell(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  let trueConditions = 0;
  for (const gate of gates) {
    const condition = (pod.status?.conditions ?? []).find((c) => c.type === gate.conditionType);
    if (condition?.status === 'True') trueConditions++;
  }
  return `${trueConditions}/${gates.length}`;
}

function printPod(obj: object, now: number): PrintedRow {
  const pod = obj as Pod;
  const summary = podSummary(pod, now);
  const podIP = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
  const row: PrintedRow = {
    cells: [
      pod.metadata?.name ?? '',
      summary.ready,
      summary.status,
      summary.restarts,
      translateTimestampSince(pod.metadata?.creationTimestamp, now),
      podIP,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGatesCell(pod),
    ],
  };
  if (pod.status?.phase === 'Succeeded') row.conditions = POD_SUCCEEDED_CONDITIONS.map((c) => ({ ...c }));
  else if (pod.status?.phase === 'Failed') row.conditions = POD_FAILED_CONDITIONS.map((c) => ({ ...c }));
  return row;
}

export const podPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn(),
    column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { priority: 1 }),
    column(
      'Node',
      'string',
      'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.',
      { priority: 1 },
    ),
    column(
      'Nominated Node',
      'string',
      'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.',
      { priority: 1 },
    ),
    column(
      'Readiness Gates',
      'string',
      'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True"',
      { priority: 1 },
    ),
  ],
  print: printPod,
};
