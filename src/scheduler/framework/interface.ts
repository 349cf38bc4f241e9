// The plugin extension points, after kube-scheduler's framework/interface.go.
// A plugin is an object with a name and any of these methods; a Profile runs
// them in order. Filter and Score see one node at a time and must be cheap:
// whatever depends only on the pod (or on the whole cluster) belongs in
// PreFilter/PreScore, written to the CycleState.

import type { Labels } from '../../api/labels.js';
import type { CycleState } from './cycle-state.js';
import type { Snapshot } from './snapshot.js';
import type { Status } from './status.js';
import type { NodeInfo, PodInfo } from './types.js';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/** Cluster changes that can make an unschedulable pod schedulable (for the queue). */
export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'AssignedPodDelete';

export interface Plugin {
  readonly name: string;
  /** The cluster events after which a pod this plugin rejected is worth retrying (default: all). */
  readonly events?: readonly ClusterEvent[];
}

/** A PreFilter may narrow the nodes worth filtering (framework.PreFilterResult). */
export class PreFilterResult {
  constructor(
    readonly nodeNames: ReadonlySet<string>,
    /** The status nodes outside the set get in the FitError (default: "node(s) didn't satisfy plugin(s) [name]"). */
    readonly absentStatus?: Status,
  ) {}
}

export interface PreFilterPlugin extends Plugin {
  /** Success (optionally with a node set), Skip (no Filter needed this cycle), or a rejection for every node. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | PreFilterResult;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  /** Called with the feasible nodes; Skip means this plugin's Score does not run. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status;
}

export interface ScorePlugin extends Plugin {
  /** A raw score for one feasible node; NormalizeScore maps the scores to [0, 100]. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Map `scores[i]` (for `nodes[i]`) into [0, MAX_NODE_SCORE], in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: Float64Array): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface BindPlugin extends Plugin {
  /** Success when bound, Skip to let the next binder try, Error otherwise. Never throws. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

/** What plugins may ask of the scheduler (framework.Handle). */
export interface Handle {
  /** Labels of a namespace (for namespaceSelector in affinity terms); undefined when unknown. */
  namespaceLabels(namespace: string): Labels | undefined;
}

export const isPreFilter = (p: Plugin): p is PreFilterPlugin => typeof (p as PreFilterPlugin).preFilter === 'function';
export const isFilter = (p: Plugin): p is FilterPlugin => typeof (p as FilterPlugin).filter === 'function';
export const isPreScore = (p: Plugin): p is PreScorePlugin => typeof (p as PreScorePlugin).preScore === 'function';
export const isScore = (p: Plugin): p is ScorePlugin => typeof (p as ScorePlugin).score === 'function';
export const isReserve = (p: Plugin): p is ReservePlugin => typeof (p as ReservePlugin).reserve === 'function';
export const isBind = (p: Plugin): p is BindPlugin => typeof (p as BindPlugin).bind === 'function';

/**
 * Scale scores to [0, MAX_NODE_SCORE] by the highest one; `reverse` makes the highest raw
 * score the lowest (helper.DefaultNormalizeScore).
 */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean): void {
  const n = scores.length;
  let max = 0;
  for (let i = 0; i < n; i++) if (scores[i] > max) max = scores[i];
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < n; i++) {
    let s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    if (reverse) s = MAX_NODE_SCORE - s;
    scores[i] = s;
  }
}
