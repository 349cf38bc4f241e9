// Run a Score plugin (PreScore, Score, NormalizeScore) over feasible nodes.

import { CycleState, Snapshot, type NodeInfo, type PodInfo, type PreScorePlugin, type ScorePlugin } from '../../../../src/scheduler/framework/index.js';

export function runScore(plugin: ScorePlugin, pod: PodInfo, nodes: NodeInfo[], all: NodeInfo[] = nodes): Record<string, number> | 'skip' {
  const state = new CycleState();
  const snapshot = Snapshot.of(all);
  const pre = (plugin as unknown as PreScorePlugin).preScore?.(state, pod, nodes, snapshot);
  if (pre?.isSkip()) return 'skip';
  const scores = new Float64Array(nodes.length);
  nodes.forEach((n, i) => (scores[i] = plugin.score(state, pod, n)));
  plugin.normalizeScore?.(state, pod, nodes, scores);
  return Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]]));
}
