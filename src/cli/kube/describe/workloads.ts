// describe for Deployments (replicas, strategy, pod template, conditions, old
// and new ReplicaSets) and ReplicaSets (replicas, pod phases, pod template).

import type { Deployment, Event, Pod, ReplicaSet } from '../../../api/generated/index.js';
import { Selector } from '../../../client/index.js';
import { writeEvents } from './events.js';
import { writePodTemplate } from './pod.js';
import { formatTime, PrefixWriter, writeAnnotations, writeLabels } from './writer.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** The ReplicaSets a workload controls (owner reference with controller=true and its uid). */
export function ownedBy<T extends { metadata?: { ownerReferences?: Array<{ uid: string; controller?: boolean }> } }>(items: T[], uid: string | undefined): T[] {
  return items.filter((i) => (i.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === uid));
}

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number | undefined {
  const text = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  const n = text === undefined ? NaN : Number(text);
  return Number.isInteger(n) ? n : undefined;
}

/** The new ReplicaSet (the one at the Deployment's revision) and the old ones that still have pods. */
export function splitReplicaSets(d: Deployment, rss: ReplicaSet[]): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
  const revision = revisionOf(d);
  const newRS = revision === undefined ? undefined : rss.find((rs) => revisionOf(rs) === revision);
  const oldRSs = rss.filter((rs) => rs !== newRS && ((rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0));
  return { ...(newRS ? { newRS } : {}), oldRSs };
}

const rsSummary = (rs: ReplicaSet) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`;

export function describeDeployment(d: Deployment, replicaSets: ReplicaSet[], events: Event[], now: number): string {
  const w = new PrefixWriter();
  const spec = d.spec;
  const status = d.status ?? {};
  w.line(0, 'Name:', d.metadata.name ?? '');
  w.line(0, 'Namespace:', d.metadata.namespace ?? '');
  w.line(0, 'CreationTimestamp:', formatTime(d.metadata.creationTimestamp));
  writeLabels(w, 0, 'Labels', d.metadata.labels);
  writeAnnotations(w, 0, 'Annotations', d.metadata.annotations);
  w.line(0, 'Selector:', spec?.selector ? Selector.fromLabelSelector(spec.selector).toString() || '<none>' : '<none>');
  const desired = spec?.replicas ?? 1;
  w.line(
    0,
    'Replicas:',
    `${desired} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable`,
  );
  if (spec?.paused) w.line(0, 'Paused:', 'true');
  const strategy = spec?.strategy?.type ?? 'RollingUpdate';
  w.line(0, 'StrategyType:', strategy);
  w.line(0, 'MinReadySeconds:', spec?.minReadySeconds ?? 0);
  if (strategy === 'RollingUpdate') {
    const ru = spec?.strategy?.rollingUpdate;
    w.line(0, 'RollingUpdateStrategy:', `${ru?.maxUnavailable ?? '25%'} max unavailable, ${ru?.maxSurge ?? '25%'} max surge`);
  }
  writePodTemplate(w, spec?.template);
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type', 'Status', 'Reason');
    w.line(1, '----', '------', '------');
    for (const c of conditions) w.line(1, `${c.type} `, c.status, c.reason ?? '');
  }
  const { newRS, oldRSs } = splitReplicaSets(d, replicaSets);
  w.line(0, 'OldReplicaSets:', oldRSs.length === 0 ? '<none>' : oldRSs.map(rsSummary).join(', '));
  w.line(0, 'NewReplicaSet:', newRS ? rsSummary(newRS) : '<none>');
  writeEvents(w, events, now);
  return w.toString();
}

export function describeReplicaSet(rs: ReplicaSet, pods: Pod[], events: Event[], now: number): string {
  const w = new PrefixWriter();
  const spec = rs.spec;
  w.line(0, 'Name:', rs.metadata.name ?? '');
  w.line(0, 'Namespace:', rs.metadata.namespace ?? '');
  w.line(0, 'Selector:', spec?.selector ? Selector.fromLabelSelector(spec.selector).toString() || '<none>' : '<none>');
  writeLabels(w, 0, 'Labels', rs.metadata.labels);
  writeAnnotations(w, 0, 'Annotations', rs.metadata.annotations);
  const owner = (rs.metadata.ownerReferences ?? []).find((o) => o.controller);
  if (owner) w.line(0, 'Controlled By:', `${owner.kind}/${owner.name}`);
  w.line(0, 'Replicas:', `${rs.status?.replicas ?? 0} current / ${spec?.replicas ?? 1} desired`);
  const phase = (p: string) => pods.filter((x) => (x.status?.phase ?? 'Pending') === p).length;
  w.line(0, 'Pods Status:', `${phase('Running')} Running / ${phase('Pending')} Waiting / ${phase('Succeeded')} Succeeded / ${phase('Failed')} Failed`);
  writePodTemplate(w, spec?.template);
  const conditions = rs.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type', 'Status', 'Reason');
    w.line(1, '----', '------', '------');
    for (const c of conditions) w.line(1, `${c.type} `, c.status, c.reason ?? '');
  }
  writeEvents(w, events, now);
  return w.toString();
}
