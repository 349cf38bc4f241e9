// A scheduling profile (framework.Framework): the plugins of one
// schedulerName, split by extension point in the order given, with a weight
// per Score plugin. Running an extension point never throws: a plugin that
// throws anyway is turned into an Error status naming it.

import type { CycleState } from './cycle-state.js';
import {
  isBind,
  isFilter,
  isPreFilter,
  isPreScore,
  isReserve,
  isScore,
  PreFilterResult,
  type BindPlugin,
  type ClusterEvent,
  type FilterPlugin,
  type Plugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interface.js';
import type { Snapshot } from './snapshot.js';
import { Status } from './status.js';
import type { NodeInfo, PodInfo } from './types.js';

export interface PluginConfig {
  plugin: Plugin;
  /** Score weight (default 1). */
  weight?: number;
}

export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

export interface PreFilterOutcome {
  status: Status;
  /** The intersection of the node sets PreFilter plugins returned, if any did. */
  nodeNames?: Set<string>;
  absentStatus?: Status;
}

function guard<T>(plugin: Plugin, fn: () => T, onError: (s: Status) => T): T {
  try {
    return fn();
  } catch (err) {
    return onError(Status.error(new Error(`running ${plugin.name}: ${(err as Error)?.message ?? String(err)}`)).withPlugin(plugin.name));
  }
}

export class Profile {
  readonly preFilter: PreFilterPlugin[];
  readonly filter: FilterPlugin[];
  readonly preScore: PreScorePlugin[];
  readonly score: WeightedScorePlugin[];
  readonly reserve: ReservePlugin[];
  readonly bind: BindPlugin[];
  readonly plugins: Plugin[];
  private scoreBuffers: Float64Array[] = [];

  constructor(
    readonly schedulerName: string,
    plugins: Array<PluginConfig | Plugin>,
  ) {
    const configs = plugins.map((p) => ('plugin' in p ? p : { plugin: p }));
    this.plugins = configs.map((c) => c.plugin);
    this.preFilter = this.plugins.filter(isPreFilter);
    this.filter = this.plugins.filter(isFilter);
    this.preScore = this.plugins.filter(isPreScore);
    this.score = configs.filter((c) => isScore(c.plugin)).map((c) => ({ plugin: c.plugin as ScorePlugin, weight: c.weight ?? 1 }));
    this.reserve = this.plugins.filter(isReserve);
    this.bind = this.plugins.filter(isBind);
  }

  /** The events after which a pod rejected by `plugin` may fit (undefined: any event). */
  eventsOf(pluginName: string): readonly ClusterEvent[] | undefined {
    return this.plugins.find((p) => p.name === pluginName)?.events;
  }

  runPreFilterPlugins(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterOutcome {
    let nodeNames: Set<string> | undefined;
    let absentStatus: Status | undefined;
    for (const p of this.preFilter) {
      const r = guard<Status | PreFilterResult>(p, () => p.preFilter(state, pod, snapshot), (s) => s);
      if (r instanceof PreFilterResult) {
        absentStatus ??= r.absentStatus?.withPlugin(p.name) ?? Status.unschedulableAndUnresolvable(`node(s) didn't satisfy plugin(s) [${p.name}]`).withPlugin(p.name);
        if (nodeNames === undefined) nodeNames = new Set(r.nodeNames);
        else for (const n of nodeNames) if (!r.nodeNames.has(n)) nodeNames.delete(n);
        continue;
      }
      if (r.isSkip()) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (!r.isSuccess()) return { status: r.withPlugin(p.name) };
    }
    return { status: Status.SUCCESS, ...(nodeNames ? { nodeNames, absentStatus } : {}) };
  }

  /** The Filter plugins to run this cycle (those whose PreFilter did not Skip). */
  activeFilters(state: CycleState): FilterPlugin[] {
    return state.skipFilterPlugins.size === 0 ? this.filter : this.filter.filter((p) => !state.skipFilterPlugins.has(p.name));
  }

  /** The first rejection (attributed to its plugin), or Success. */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo, filters: readonly FilterPlugin[] = this.activeFilters(state)): Status {
    // One try around the loop rather than a closure per call: this runs for every node.
    let i = 0;
    try {
      for (; i < filters.length; i++) {
        const p = filters[i];
        const s = p.filter(state, pod, node);
        if (s.code !== 'Success') return s.plugin === p.name ? s : s.withPlugin(p.name);
      }
    } catch (err) {
      const p = filters[i];
      return Status.error(new Error(`running ${p.name}: ${(err as Error)?.message ?? String(err)}`)).withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status {
    for (const p of this.preScore) {
      const s = guard(p, () => p.preScore(state, pod, nodes, snapshot), (e) => e);
      if (s.isSkip()) state.skipScorePlugins.add(p.name);
      else if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /** Add every Score plugin's normalized, weighted score for `nodes[i]` to `totals[i]`. */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], totals: Float64Array): Status {
    const n = nodes.length;
    for (let j = 0; j < this.score.length; j++) {
      const { plugin, weight } = this.score[j];
      if (state.skipScorePlugins.has(plugin.name)) continue;
      let buf = this.scoreBuffers[j];
      if (!buf || buf.length < n) buf = this.scoreBuffers[j] = new Float64Array(Math.max(n, 64, buf ? buf.length * 2 : 0));
      const scores = buf.subarray(0, n);
      const failed = guard<Status | undefined>(
        plugin,
        () => {
          for (let i = 0; i < n; i++) scores[i] = plugin.score(state, pod, nodes[i]);
          plugin.normalizeScore?.(state, pod, nodes, scores);
          return undefined;
        },
        (e) => e,
      );
      if (failed) return failed;
      for (let i = 0; i < n; i++) totals[i] += scores[i] * weight;
    }
    return Status.SUCCESS;
  }

  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (const p of this.reserve) {
      const s = guard(p, () => p.reserve(state, pod, nodeName), (e) => e);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /** Unreserve in reverse order; never fails. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reserve.length - 1; i >= 0; i--) {
      const p = this.reserve[i];
      guard(p, () => p.unreserve(state, pod, nodeName), () => undefined);
    }
  }

  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    for (const p of this.bind) {
      let s: Status;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        s = Status.error(err);
      }
      if (s.isSkip()) continue;
      return s.withPlugin(p.name);
    }
    return Status.error(new Error('no bind plugin bound the pod')).withPlugin('');
  }
}
