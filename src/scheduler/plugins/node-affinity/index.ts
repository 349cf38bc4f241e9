// NodeAffinity: spec.nodeSelector and requiredDuringScheduling node affinity
// filter nodes (In, NotIn, Exists, DoesNotExist, Gt, Lt on labels; In/NotIn
// on the metadata.name field); preferredDuringScheduling terms score them by
// the summed weight of the terms a node matches.

import type { PodSpec } from '../../../api/generated/index.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { compileNodeSelectorTerm, requiredNodeAffinity, type NodeMatcher } from '../../framework/helpers.js';
import {
  defaultNormalizeScore,
  PreFilterResult,
  type ClusterEvent,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interface.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON_POD).withPlugin(NAME);

interface Compiled {
  required: NodeMatcher | undefined;
  preferred: Array<{ weight: number; match: NodeMatcher }>;
  /** Node names a required term pins with matchFields metadata.name In (every term must pin). */
  nodeNames: Set<string> | undefined;
}

const compiled = new WeakMap<PodInfo, Compiled>();

function pinnedNodeNames(spec: PodSpec | undefined): Set<string> | undefined {
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  const names = new Set<string>();
  for (const t of terms) {
    const pins = (t.matchFields ?? []).filter((f) => f.key === 'metadata.name' && f.operator === 'In');
    if (pins.length === 0) return undefined; // this term can match any node
    // Within a term requirements are ANDed: the names every pin allows.
    let allowed = new Set(pins[0].values ?? []);
    for (const p of pins.slice(1)) allowed = new Set([...allowed].filter((n) => (p.values ?? []).includes(n)));
    for (const n of allowed) names.add(n);
  }
  return names;
}

export function compileNodeAffinity(pod: PodInfo): Compiled {
  let c = compiled.get(pod);
  if (!c) {
    const spec = pod.pod.spec;
    c = {
      required: requiredNodeAffinity(pod.pod),
      preferred: (spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
        .filter((t) => t.weight !== 0)
        .map((t) => ({ weight: t.weight, match: compileNodeSelectorTerm(t.preference) })),
      nodeNames: pinnedNodeNames(spec),
    };
    compiled.set(pod, c);
  }
  return c;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate'];

  preFilter(state: CycleState, pod: PodInfo, _snapshot?: Snapshot): Status | PreFilterResult {
    const c = compileNodeAffinity(pod);
    if (!c.required) return Status.SKIP;
    state.write(NAME, c);
    if (c.nodeNames) return new PreFilterResult(c.nodeNames, REJECTED);
    return Status.SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const c = state.read<Compiled>(NAME) ?? compileNodeAffinity(pod);
    if (!c.required || c.required(node.labels, node.name)) return Status.SUCCESS;
    return REJECTED;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const c = compileNodeAffinity(pod);
    if (c.preferred.length === 0) return Status.SKIP;
    state.write(`${NAME}/preScore`, c);
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const c = state.read<Compiled>(`${NAME}/preScore`) ?? compileNodeAffinity(pod);
    let score = 0;
    for (const t of c.preferred) if (t.match(node.labels, node.name)) score += t.weight;
    return score;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    defaultNormalizeScore(scores, false);
  }
}
