// One scheduling decision (kube's schedule_one.go): PreFilter, then Filter
// over the nodes starting where the last cycle stopped, until enough feasible
// nodes are found (percentageOfNodesToScore); PreScore and Score the feasible
// ones; pick the best, ties broken at random. A pod that fits nowhere gets a
// FitError whose message is kube's: "0/3 nodes are available: 2 Insufficient
// cpu, 1 node(s) had untolerated taint {k: v}. preemption: ...".

import { CycleState } from './framework/cycle-state.js';
import type { Snapshot } from './framework/snapshot.js';
import type { Profile } from './framework/profile.js';
import { Status } from './framework/status.js';
import type { NodeInfo, PodInfo } from './framework/types.js';

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const NO_NODES_AVAILABLE_MSG = 'no nodes available to schedule pods';

/**
 * How many feasible nodes to look for: all of them below 100 nodes; else
 * `percentage` of them (adaptive when 0/undefined: 50% - nodes/125, at least 5%),
 * and never fewer than 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage?: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export interface Diagnosis {
  /** reason → number of nodes that gave it. */
  reasons: Map<string, number>;
  /** Plugins that rejected at least one node (or the pod in PreFilter). */
  unschedulablePlugins: Set<string>;
  /** Set when a PreFilter rejected the pod outright. */
  preFilterMsg?: string;
  /** Set by PostFilter (preemption); gitplane does not preempt, so it explains why not. */
  postFilterMsg?: string;
}

/** The pod fits on no node (framework.FitError). */
export class FitError extends Error {
  constructor(
    readonly pod: PodInfo,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super();
    this.name = 'FitError';
    this.message = fitErrorMessage(numAllNodes, diagnosis);
  }
}

/** kube-scheduler 1.31's FitError.Error(). */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const parts = [...d.reasons].map(([reason, n]) => `${n} ${reason}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** The PostFilter message of kube's DefaultPreemption when preemption cannot help (gitplane never preempts). */
export function preemptionNotHelpfulMsg(numAllNodes: number): string {
  return `preemption: 0/${numAllNodes} nodes are available: ${numAllNodes} Preemption is not helpful for scheduling.`;
}

/** A FitError with the PostFilter message kube's DefaultPreemption gives when it cannot help. */
function fitError(pod: PodInfo, numAll: number, d: Diagnosis): FitError {
  return new FitError(pod, numAll, { ...d, postFilterMsg: preemptionNotHelpfulMsg(numAll) });
}

export type ScheduleOutcome =
  | { kind: 'scheduled'; nodeName: string; evaluatedNodes: number; feasibleNodes: number }
  | { kind: 'unschedulable'; error: FitError }
  | { kind: 'noNodes'; message: string }
  | { kind: 'error'; status: Status };

export interface AlgorithmOptions {
  /** 0/undefined: adaptive. */
  percentageOfNodesToScore?: number;
  random?: () => number;
}

export class ScheduleAlgorithm {
  /** Where the next cycle starts filtering, so every node gets its turn. */
  nextStartNodeIndex = 0;
  private totals = new Float64Array(256);
  private readonly random: () => number;

  constructor(
    readonly profile: Profile,
    private readonly opts: AlgorithmOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
  }

  schedulePod(state: CycleState, pod: PodInfo, snapshot: Snapshot): ScheduleOutcome {
    const all = snapshot.nodeInfoList;
    const numAll = all.length;
    if (numAll === 0) return { kind: 'noNodes', message: NO_NODES_AVAILABLE_MSG };
    if (pod.parseError) {
      return { kind: 'unschedulable', error: fitError(pod, numAll, { reasons: new Map(), unschedulablePlugins: new Set(), preFilterMsg: pod.parseError }) };
    }
    const profile = this.profile;

    // PreFilter.
    const pre = profile.runPreFilterPlugins(state, pod, snapshot);
    if (!pre.status.isSuccess()) {
      if (pre.status.isRejected()) {
        return {
          kind: 'unschedulable',
          error: fitError(pod, numAll, {
            reasons: new Map(),
            unschedulablePlugins: new Set([pre.status.plugin]),
            preFilterMsg: pre.status.message(),
          }),
        };
      }
      return { kind: 'error', status: pre.status };
    }

    // Filter.
    let candidates: readonly NodeInfo[] = all;
    let restricted = false;
    if (pre.nodeNames) {
      restricted = true;
      const list: NodeInfo[] = [];
      for (const name of pre.nodeNames) {
        const ni = snapshot.get(name);
        if (ni) list.push(ni);
      }
      candidates = list;
    }
    const reasons = new Map<string, number>();
    const unschedulablePlugins = new Set<string>();
    const n = candidates.length;
    const toFind = numFeasibleNodesToFind(n, this.opts.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const filters = profile.activeFilters(state);
    const start = restricted || n === 0 ? 0 : this.nextStartNodeIndex % n;
    let processed = 0;
    for (let i = 0; i < n && feasible.length < toFind; i++) {
      let idx = start + i;
      if (idx >= n) idx -= n;
      const ni = candidates[idx];
      processed++;
      const s = filters.length === 0 ? Status.SUCCESS : profile.runFilterPlugins(state, pod, ni, filters);
      if (s.code === 'Success') {
        feasible.push(ni);
      } else if (s.code === 'Error') {
        return { kind: 'error', status: s };
      } else {
        for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        unschedulablePlugins.add(s.plugin);
      }
    }
    if (!restricted && n > 0) this.nextStartNodeIndex = (start + processed) % n;

    if (feasible.length === 0) {
      const absent = numAll - n;
      if (absent > 0 && pre.absentStatus) {
        for (const r of pre.absentStatus.reasons) reasons.set(r, (reasons.get(r) ?? 0) + absent);
        unschedulablePlugins.add(pre.absentStatus.plugin);
      }
      return { kind: 'unschedulable', error: fitError(pod, numAll, { reasons, unschedulablePlugins }) };
    }
    if (feasible.length === 1) return { kind: 'scheduled', nodeName: feasible[0].name, evaluatedNodes: processed, feasibleNodes: 1 };

    // Score.
    const pre2 = profile.runPreScorePlugins(state, pod, feasible, snapshot);
    if (!pre2.isSuccess()) return { kind: 'error', status: pre2 };
    const m = feasible.length;
    if (this.totals.length < m) this.totals = new Float64Array(Math.max(m, this.totals.length * 2));
    const totals = this.totals.subarray(0, m);
    totals.fill(0);
    const scored = profile.runScorePlugins(state, pod, feasible, totals);
    if (!scored.isSuccess()) return { kind: 'error', status: scored };

    // Select: the best score, reservoir-sampling among ties.
    let best = 0;
    let ties = 1;
    for (let i = 1; i < m; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return { kind: 'scheduled', nodeName: feasible[best].name, evaluatedNodes: processed, feasibleNodes: m };
  }
}

export { CycleState };
