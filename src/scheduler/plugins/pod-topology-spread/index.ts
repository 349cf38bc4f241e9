// PodTopologySpread: spread matching pods evenly over topology domains.
// DoNotSchedule constraints filter: placing the pod in a node's domain must
// keep (matching pods there + 1) - (fewest in any eligible domain) <= maxSkew,
// where fewer eligible domains than minDomains make that minimum 0.
// ScheduleAnyway constraints score: fewer matching pods in the domain scores
// higher. Nodes count as eligible domains per nodeAffinityPolicy (Honor by
// default: the pod's nodeSelector/required affinity) and nodeTaintsPolicy
// (Ignore by default).

import type { Selector } from '../../../api/labels.js';
import { newRequirement, nothing, selectorFromLabelSelector, selectorFromRequirements } from '../../../api/labels.js';
import type { TopologySpreadConstraint } from '../../../api/generated/index.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { findUntoleratedTaint, nodeMatches, requiredNodeAffinity, type NodeMatcher } from '../../framework/helpers.js';
import { MAX_NODE_SCORE, type ClusterEvent, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interface.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

const NOTHING = nothing();
const CONSTRAINTS_REJECTED = Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH).withPlugin(NAME);
const LABEL_REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH).withPlugin(NAME);

export interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: Selector;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorNodeTaints: boolean;
  readonly hard: boolean;
}

interface Parsed {
  hard: Constraint[];
  soft: Constraint[];
  error?: string;
}

const parsedCache = new WeakMap<PodInfo, Parsed>();

function parseConstraint(pod: PodInfo, c: TopologySpreadConstraint): Constraint {
  let selector = c.labelSelector ? selectorFromLabelSelector(c.labelSelector) : nothing();
  if (c.labelSelector && c.matchLabelKeys?.length) {
    const extra = c.matchLabelKeys.filter((k) => pod.labels[k] !== undefined).map((k) => newRequirement(k, 'in', [pod.labels[k]]));
    if (extra.length) selector = selectorFromRequirements([...selector.requirements, ...extra]);
  }
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    selector,
    minDomains: c.minDomains ?? 1,
    honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorNodeTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    hard: c.whenUnsatisfiable === 'DoNotSchedule',
  };
}

export function parseConstraints(pod: PodInfo): Parsed {
  let p = parsedCache.get(pod);
  if (!p) {
    try {
      const all = (pod.pod.spec?.topologySpreadConstraints ?? []).map((c) => parseConstraint(pod, c));
      p = { hard: all.filter((c) => c.hard), soft: all.filter((c) => !c.hard) };
    } catch (err) {
      p = { hard: [], soft: [], error: `invalid topology spread constraint: ${(err as Error).message}` };
    }
    parsedCache.set(pod, p);
  }
  return p;
}

/** Pods on the node in `namespace`, not terminating, that the selector matches. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: Selector, namespace: string): number {
  if (selector === NOTHING) return 0;
  let n = 0;
  for (const p of pods) {
    if (p.terminating || p.namespace !== namespace) continue;
    if (selector.matches(p.labels)) n++;
  }
  return n;
}

function hasAllKeys(node: NodeInfo, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

function eligible(c: Constraint, pod: PodInfo, node: NodeInfo, affinity: NodeMatcher | undefined): boolean {
  if (c.honorNodeAffinity && !nodeMatches(affinity, node)) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(node.taints, pod.tolerations)) return false;
  return true;
}

interface FilterState {
  constraints: Constraint[];
  /** Per constraint: topology value → matching pods. */
  counts: Array<Map<string, number>>;
  /** Per constraint: the fewest matching pods in any eligible domain (0 with too few domains). */
  minMatch: number[];
}

interface ScoreState {
  constraints: Constraint[];
  counts: Array<Map<string, number>>;
  weights: number[];
  ignored: Set<string>;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate'];

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    const parsed = parseConstraints(pod);
    if (parsed.error) return Status.unschedulableAndUnresolvable(parsed.error);
    const constraints = parsed.hard;
    if (constraints.length === 0) return Status.SKIP;
    const affinity = requiredNodeAffinity(pod.pod);
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of snapshot.nodeInfoList) {
      if (!hasAllKeys(node, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        if (!eligible(c, pod, node, affinity)) continue;
        const v = node.labels[c.topologyKey];
        counts[i].set(v, (counts[i].get(v) ?? 0) + countPodsMatchSelector(node.pods, c.selector, pod.namespace));
      }
    }
    const minMatch = constraints.map((c, i) => {
      if (counts[i].size < c.minDomains) return 0;
      let min = Infinity;
      for (const n of counts[i].values()) if (n < min) min = n;
      return min === Infinity ? 0 : min;
    });
    state.write(NAME, { constraints, counts, minMatch } satisfies FilterState);
    return Status.SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<FilterState>(NAME);
    if (!s) return Status.error(new Error(`${NAME}: PreFilter state missing`));
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const v = node.labels[c.topologyKey];
      if (v === undefined) return LABEL_REJECTED;
      const self = c.selector.matches(pod.labels) ? 1 : 0;
      const skew = (s.counts[i].get(v) ?? 0) + self - s.minMatch[i];
      if (skew > c.maxSkew) return CONSTRAINTS_REJECTED;
    }
    return Status.SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status {
    const parsed = parseConstraints(pod);
    const constraints = parsed.soft;
    if (constraints.length === 0 || parsed.error) return Status.SKIP;
    const ignored = new Set<string>();
    const counts = constraints.map(() => new Map<string, number>());
    let hostnameDomains = 0;
    for (const node of nodes) {
      if (!hasAllKeys(node, constraints)) {
        ignored.add(node.name);
        continue;
      }
      hostnameDomains++;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        if (c.topologyKey !== HOSTNAME_LABEL) counts[i].set(node.labels[c.topologyKey], 0);
      }
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME_LABEL ? hostnameDomains : counts[i].size) + 2));
    const affinity = requiredNodeAffinity(pod.pod);
    const needCounting = constraints.some((c) => c.topologyKey !== HOSTNAME_LABEL);
    if (needCounting) {
      for (const node of snapshot.nodeInfoList) {
        if (!hasAllKeys(node, constraints)) continue;
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i];
          if (c.topologyKey === HOSTNAME_LABEL || !eligible(c, pod, node, affinity)) continue;
          const v = node.labels[c.topologyKey];
          const old = counts[i].get(v);
          if (old === undefined) continue; // not a domain of any feasible node
          counts[i].set(v, old + countPodsMatchSelector(node.pods, c.selector, pod.namespace));
        }
      }
    }
    state.write(`${NAME}/preScore`, { constraints, counts, weights, ignored } satisfies ScoreState);
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<ScoreState>(`${NAME}/preScore`);
    if (!s) return 0;
    if (s.ignored.has(node.name)) return -1;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const v = node.labels[c.topologyKey];
      if (v === undefined) continue;
      const cnt = c.topologyKey === HOSTNAME_LABEL ? countPodsMatchSelector(node.pods, c.selector, pod.namespace) : (s.counts[i].get(v) ?? 0);
      score += cnt * s.weights[i] + (c.maxSkew - 1);
    }
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    if (!state.read(`${NAME}/preScore`)) return;
    let min = Infinity;
    let max = 0;
    for (const s of scores) {
      if (s < 0) continue; // ignored node
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (s < 0) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - s)) / max);
    }
  }
}
