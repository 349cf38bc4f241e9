// InterPodAffinity: required pod affinity (the node's topology domain must
// already run a matching pod, unless no pod matches anywhere and the pod
// matches its own terms), required anti-affinity (the domain must not run a
// matching pod), and the anti-affinity of pods already running (they keep
// matching pods out of their domain). Preferred terms, and the existing pods'
// terms toward this pod, score topology domains.
//
// PreFilter counts matching pods per (topologyKey, value) once per pod, so
// Filter is a few map lookups per node.

import type { Labels } from '../../../api/labels.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { ClusterEvent, FilterPlugin, Handle, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { Status } from '../../framework/status.js';
import { termMatches, type AffinityTerm, type NamespaceLabels, type NodeInfo, type PodInfo, type WeightedAffinityTerm } from '../../framework/types.js';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";

const AFFINITY_REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH).withPlugin(NAME);
const ANTI_AFFINITY_REJECTED = Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH).withPlugin(NAME);
const EXISTING_ANTI_AFFINITY_REJECTED = Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH).withPlugin(NAME);

/** The weight of an existing pod's required affinity toward the incoming pod, in scoring. */
export const HARD_POD_AFFINITY_WEIGHT = 1;

const pairKey = (key: string, value: string): string => `${key}\u0000${value}`;

class TopologyCounts {
  readonly counts = new Map<string, number>();
  /** The (key, value) pairs with a positive count. */
  readonly pairs: Array<{ key: string; value: string }> = [];

  inc(node: NodeInfo, key: string, by = 1): void {
    const value = node.labels[key];
    if (value === undefined) return;
    const k = pairKey(key, value);
    const old = this.counts.get(k);
    if (old === undefined) this.pairs.push({ key, value });
    this.counts.set(k, (old ?? 0) + by);
  }

  get(key: string, value: string): number {
    return this.counts.get(pairKey(key, value)) ?? 0;
  }

  get size(): number {
    return this.counts.size;
  }
}

interface PreFilterState {
  existingAntiAffinity: TopologyCounts;
  affinity: TopologyCounts;
  antiAffinity: TopologyCounts;
  /** The pod matches all of its own required affinity terms. */
  matchesOwnAffinity: boolean;
}

function matchesAll(terms: readonly AffinityTerm[], pod: PodInfo, nsLabels: NamespaceLabels | undefined): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate'];
  private readonly nsLabels: NamespaceLabels;

  constructor(handle?: Handle) {
    this.nsLabels = (ns: string): Labels | undefined => handle?.namespaceLabels(ns);
  }

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    if (pod.parseError) return Status.unschedulableAndUnresolvable(pod.parseError);
    const nsLabels = this.nsLabels;
    const existingAntiAffinity = new TopologyCounts();
    for (const node of snapshot.havePodsWithRequiredAntiAffinityList) {
      for (const existing of node.podsWithRequiredAntiAffinity) {
        for (const t of existing.requiredAntiAffinityTerms) {
          if (termMatches(t, pod, nsLabels)) existingAntiAffinity.inc(node, t.topologyKey);
        }
      }
    }
    const affinityTerms = pod.requiredAffinityTerms;
    const antiTerms = pod.requiredAntiAffinityTerms;
    if (affinityTerms.length === 0 && antiTerms.length === 0 && existingAntiAffinity.size === 0) return Status.SKIP;
    const affinity = new TopologyCounts();
    const antiAffinity = new TopologyCounts();
    if (affinityTerms.length > 0 || antiTerms.length > 0) {
      for (const node of snapshot.nodeInfoList) {
        for (const existing of node.pods) {
          if (affinityTerms.length > 0 && matchesAll(affinityTerms, existing, nsLabels)) {
            for (const t of affinityTerms) affinity.inc(node, t.topologyKey);
          }
          for (const t of antiTerms) if (termMatches(t, existing, nsLabels)) antiAffinity.inc(node, t.topologyKey);
        }
      }
    }
    const s: PreFilterState = { existingAntiAffinity, affinity, antiAffinity, matchesOwnAffinity: matchesAll(affinityTerms, pod, nsLabels) };
    state.write(NAME, s);
    return Status.SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<PreFilterState>(NAME);
    if (!s) return Status.error(new Error(`${NAME}: PreFilter state missing`));
    const labels = node.labels;
    // Required affinity: every term's domain must hold a matching pod.
    if (pod.requiredAffinityTerms.length > 0) {
      let podsExist = true;
      for (const t of pod.requiredAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v === undefined) return AFFINITY_REJECTED;
        if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
      }
      // The first of a group of pods with affinity to each other may go anywhere.
      if (!podsExist && !(s.affinity.size === 0 && s.matchesOwnAffinity)) return AFFINITY_REJECTED;
    }
    for (const t of pod.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && s.antiAffinity.get(t.topologyKey, v) > 0) return ANTI_AFFINITY_REJECTED;
    }
    for (const p of s.existingAntiAffinity.pairs) {
      if (labels[p.key] === p.value && s.existingAntiAffinity.get(p.key, p.value) > 0) return EXISTING_ANTI_AFFINITY_REJECTED;
    }
    return Status.SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snapshot: Snapshot): Status {
    if (pod.parseError) return Status.SKIP;
    const hasConstraints = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    const nodes = hasConstraints ? snapshot.nodeInfoList : snapshot.havePodsWithAffinityList;
    if (nodes.length === 0) return Status.SKIP;
    const nsLabels = this.nsLabels;
    const scores = new Map<string, Map<string, number>>(); // topologyKey → value → score
    const add = (terms: readonly (AffinityTerm & { weight?: number })[], target: PodInfo, node: NodeInfo, sign: number, weight?: number): void => {
      for (const t of terms) {
        if (!termMatches(t, target, nsLabels)) continue;
        const v = node.labels[t.topologyKey];
        if (v === undefined) continue;
        let byValue = scores.get(t.topologyKey);
        if (!byValue) scores.set(t.topologyKey, (byValue = new Map()));
        byValue.set(v, (byValue.get(v) ?? 0) + sign * (weight ?? t.weight ?? 0));
      }
    };
    for (const node of nodes) {
      const pods = hasConstraints ? node.pods : node.podsWithAffinity;
      for (const existing of pods) {
        // The incoming pod's preferences toward the existing pod ...
        add(pod.preferredAffinityTerms, existing, node, 1);
        add(pod.preferredAntiAffinityTerms, existing, node, -1);
        // ... and the existing pod's terms toward the incoming one.
        add(existing.requiredAffinityTerms, pod, node, 1, HARD_POD_AFFINITY_WEIGHT);
        add(existing.preferredAffinityTerms, pod, node, 1);
        add(existing.preferredAntiAffinityTerms, pod, node, -1);
      }
    }
    if (scores.size === 0) return Status.SKIP;
    state.write(`${NAME}/preScore`, scores);
    return Status.SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<Map<string, Map<string, number>>>(`${NAME}/preScore`);
    if (!scores) return 0;
    let score = 0;
    for (const [key, byValue] of scores) {
      const v = node.labels[key];
      if (v !== undefined) score += byValue.get(v) ?? 0;
    }
    return score;
  }

  normalizeScore(state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    if (!state.read(`${NAME}/preScore`)) return;
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
  }
}

export type { WeightedAffinityTerm };
