// One Application's reconcile: resolve the revision, render it, compare with the
// live cache, sync when policy (or an operation) says so, and write status —
// sync, health, resources, conditions naming file and line, inventory, history.
// A render or validation error applies nothing and prunes nothing.

import type { Application, ApplicationCondition, ApplicationStatus, OperationState } from '../../api/generated/index.js';
import { isNotFound, type Client, type ReconcileResult } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';
import type { IgnoreRule } from '../diff/index.js';
import { healthOf } from '../health/index.js';
import { formatRenderError, type Renderer } from '../render/index.js';
import type { GitRepository } from '../source/index.js';
import { planSync, runSync, type InventoryEntry, type ResourceResult, type SyncState } from '../sync/index.js';
import { apiVersionOf, resourceIdOf, resourceKey, type DesiredObject } from '../types.js';
import { compareApp, versionOf, type Comparison } from './compare.js';
import { appendHistory, historyEntry, markHealthy } from './history.js';
import type { LiveCache } from './live-cache.js';
import type { GitOpsMetrics } from './metrics.js';
import { rfc3339, setConditions, StatusWriter } from './status.js';

export interface ReconcileDeps {
  client: Client;
  clock: Clock;
  live: LiveCache;
  metrics: GitOpsMetrics;
  log: (message: string, err?: unknown) => void;
  /** Longest a sync waits for one wave to become healthy. */
  waveTimeoutMs?: number;
  /** Aborting it stops a running sync between tasks (a new commit or spec arrived); it resumes on the next reconcile. */
  signal?: AbortSignal;
}

/** What the controller remembers about an app between reconciles. */
export interface AppMemory {
  renderer: Renderer;
  /** The revision and spec generation the last automated sync attempt was for, and how many times it failed. */
  attempt?: { revision: string; generation: number; failures: number; nextAt: number };
  /** The sync running now: what it was asked for (a branch, tag or SHA) and the commit that resolved to. */
  syncing?: { target: string | undefined; revision: string };
}

export interface SyncRequest {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  initiatedBy: string;
}

const RESYNC_MS = 180_000;
/** A sync running longer than this records its progress in status.operationState. */
const PROGRESS_AFTER_MS = 1_000;

export function syncOptionsOf(app: Application): Set<string> {
  return new Set((app.spec.syncPolicy?.syncOptions ?? []).map((s) => s.replace(/\s+/g, '')));
}

export async function reconcileApplication(deps: ReconcileDeps, app: Application, repo: GitRepository, memory: AppMemory, request?: SyncRequest): Promise<ReconcileResult> {
  const started = deps.clock.now();
  const now = rfc3339(started);
  const appRef = { namespace: app.metadata.namespace ?? 'default', name: app.metadata.name! };
  const writer = new StatusWriter(deps.client, app);
  const status: ApplicationStatus = structuredClone(app.status ?? {});
  const generation = app.metadata.generation ?? 0;
  status.observedGeneration = generation;
  status.reconciledAt = now;

  // 1. Revision and render. Errors stop here: nothing is applied or pruned.
  const target = request?.revision ?? app.spec.source.targetRevision ?? 'HEAD';
  let revision: string;
  let desired: DesiredObject[];
  try {
    revision = await repo.resolveRevision(target === 'HEAD' ? undefined : target);
    const options = syncOptionsOf(app);
    const rendered = await memory.renderer.render(repo.snapshot(revision), {
      path: app.spec.source.path ?? '.',
      ...(app.spec.source.directory ? { directory: app.spec.source.directory } : {}),
      namespace: app.spec.destination.namespace ?? appRef.namespace,
      validate: !options.has('Validate=false'),
    });
    if (rendered.errors.length > 0) {
      const first = rendered.errors[0]!;
      const message = rendered.errors.slice(0, 20).map(formatRenderError).join('\n') + (rendered.errors.length > 20 ? `\n… and ${rendered.errors.length - 20} more` : '');
      const condition: ApplicationCondition = { type: 'ComparisonError', message, file: first.file, ...(first.line !== undefined ? { line: first.line } : {}) };
      status.conditions = setConditions(status.conditions, ['ComparisonError'], [condition], now);
      status.sync = { status: 'Unknown', revision };
      await writer.write(status);
      deps.metrics.setStatus(appRef, 'Unknown', status.health?.status ?? 'Unknown');
      return { requeueAfterMs: RESYNC_MS };
    }
    desired = rendered.objects;
    status.sourceType = rendered.kustomize ? 'Kustomize' : 'Directory';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    status.conditions = setConditions(status.conditions, ['ComparisonError'], [{ type: 'ComparisonError', message }], now);
    status.sync = { status: 'Unknown', ...(status.sync?.revision ? { revision: status.sync.revision } : {}) };
    await writer.write(status);
    deps.metrics.setStatus(appRef, 'Unknown', status.health?.status ?? 'Unknown');
    return { requeueAfterMs: 10_000 };
  }
  status.conditions = setConditions(status.conditions, ['ComparisonError'], [], now);

  // 2. Compare with the live cache (watching every kind involved).
  const inventory: InventoryEntry[] = (status.inventory?.entries ?? []).map((e) => ({ group: e.group ?? '', version: e.version, kind: e.kind, namespace: e.namespace ?? '', name: e.name }));
  const kinds = [...desired.map((d) => d.object), ...inventory.map((e) => ({ apiVersion: apiVersionOf(e), kind: e.kind }))];
  await deps.live.ensure(kinds.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind })));
  const ignore = (app.spec.ignoreDifferences ?? []) as IgnoreRule[];
  const compare = (): Comparison =>
    compareApp({ app: appRef, desired, inventory, tracked: deps.live.trackedBy(`${appRef.namespace}/${appRef.name}`), live: (id) => deps.live.get(id), ignore });
  let cmp = compare();

  // 3. Sync, when asked or when automated policy says so.
  const automated = app.spec.syncPolicy?.automated;
  const options = syncOptionsOf(app);
  const prune = request?.prune ?? automated?.prune ?? false;
  const work = cmp.outOfSync > 0 && (cmp.resources.some((r) => r.status === 'OutOfSync' && !r.requiresPruning) || (prune && cmp.orphans.length > 0));
  let auto = false;
  if (!request && automated && work) {
    // As Argo CD: a new revision (or a failed last attempt) syncs; drift at the same revision only with selfHeal.
    const last = status.operationState;
    auto = automated.selfHeal === true || last?.revision !== revision || last.phase !== 'Succeeded';
    const a = memory.attempt;
    if (auto && a && a.revision === revision && a.generation === generation && a.failures > 0) {
      const limit = app.spec.syncPolicy?.retry?.limit ?? 0;
      if (limit >= 0 && a.failures > limit) auto = false;
      else if (deps.clock.now() < a.nextAt) return { requeueAfterMs: a.nextAt - deps.clock.now() };
    }
  }
  let requeueAfterMs = RESYNC_MS;
  if (request || auto) {
    memory.syncing = { target: target === 'HEAD' ? undefined : target, revision };
    const outcome = await syncApp(deps, writer, status, { revision, desired, inventory, cmp, prune, dryRun: request?.dryRun ?? false, options, ignore, repo, initiatedBy: request?.initiatedBy ?? 'automated' });
    memory.syncing = undefined;
    if (outcome.phase === 'Running') {
      // Interrupted by a newer commit or spec: record where it stopped and look again at once.
      await writer.write(status);
      return { requeueAfterMs: 1 };
    }
    if (!request?.dryRun) {
      if (outcome.phase === 'Succeeded') memory.attempt = undefined;
      else {
        const failures = memory.attempt?.revision === revision && memory.attempt.generation === generation ? memory.attempt.failures + 1 : 1;
        const delay = backoffMs(app, failures);
        memory.attempt = { revision, generation, failures, nextAt: deps.clock.now() + delay };
        requeueAfterMs = delay;
      }
    }
    // Let the live cache catch up with what was just written before judging the result.
    const deadline = deps.clock.now() + 2_000;
    for (cmp = compare(); cmp.status !== 'Synced' && outcome.phase === 'Succeeded' && !request?.dryRun && deps.clock.now() < deadline; cmp = compare()) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  // 4. Status.
  status.sync = { status: cmp.status, revision };
  status.health = cmp.health;
  status.resources = cmp.resources.map((r) => ({ ...r, health: r.health }));
  status.summary = { resources: cmp.resources.length, outOfSync: cmp.outOfSync };
  if (cmp.health.status === 'Healthy') status.history = markHealthy(status.history ?? [], revision, new Date(deps.clock.now()));
  if (status.operationState?.phase === 'Failed' && status.operationState.revision === revision && !status.operationState.message?.startsWith('rollback')) {
    status.conditions = setConditions(status.conditions, ['SyncError'], [{ type: 'SyncError', message: status.operationState.message ?? 'sync failed' }], now);
  } else {
    status.conditions = setConditions(status.conditions, ['SyncError'], [], now);
  }
  if (status.conditions.length === 0) delete status.conditions;
  await writer.write(status);
  deps.metrics.setStatus(appRef, cmp.status, cmp.health.status);
  deps.metrics.recordReconcile(appRef, (deps.clock.now() - started) / 1000);
  if (cmp.health.status === 'Progressing' || cmp.health.status === 'Missing') requeueAfterMs = Math.min(requeueAfterMs, 2_000);
  return { requeueAfterMs };
}

interface SyncInput {
  revision: string;
  desired: DesiredObject[];
  inventory: InventoryEntry[];
  cmp: Comparison;
  prune: boolean;
  dryRun: boolean;
  options: Set<string>;
  ignore: IgnoreRule[];
  repo: GitRepository;
  initiatedBy: string;
}

/** Plan and run one sync, recording progress in status.operationState; updates status in place. */
async function syncApp(deps: ReconcileDeps, writer: StatusWriter, status: ApplicationStatus, input: SyncInput): Promise<SyncState> {
  const app = writer.app;
  const appRef = { namespace: app.metadata.namespace ?? 'default', name: app.metadata.name! };
  const startedAt = deps.clock.now();
  const destination = app.spec.destination.namespace;
  const plan = planSync({
    desired: input.desired,
    live: (id) => deps.live.get(id),
    inventory: [...input.inventory, ...input.cmp.orphans],
    settings: {
      app: appRef,
      prune: input.prune,
      pruneLast: input.options.has('PruneLast=true'),
      applyOutOfSyncOnly: input.options.has('ApplyOutOfSyncOnly=true'),
      ...(input.options.has('CreateNamespace=true') && destination ? { createNamespace: destination } : {}),
      dryRun: input.dryRun,
      allowEmpty: app.spec.syncPolicy?.automated?.allowEmpty ?? false,
    },
    ignore: input.ignore,
    prepared: input.cmp.prepared,
  });
  // Unchanged resources are counted, not listed: the record stays small for big apps.
  const op = (state: SyncState, finishedAt?: number): OperationState => ({
    operation: input.initiatedBy,
    phase: state.phase,
    ...(state.message ? { message: state.message } : {}),
    revision: input.revision,
    startedAt: rfc3339(startedAt),
    ...(finishedAt !== undefined ? { finishedAt: rfc3339(finishedAt) } : {}),
    syncState: { phaseIndex: state.phaseIndex, waveIndex: state.waveIndex },
    syncResult: { revision: input.revision, resources: state.results.filter((r) => r.operation !== 'unchanged') as ResourceResult[] },
    ...(state.results.some((r) => r.operation === 'unchanged') ? { unchanged: state.results.filter((r) => r.operation === 'unchanged').length } : {}),
  });
  if ('error' in plan) {
    const failed: SyncState = { phase: 'Failed', phaseIndex: 0, waveIndex: 0, results: [], message: plan.error };
    status.operationState = op(failed, deps.clock.now());
    deps.metrics.recordSync(appRef, 'Failed', 0);
    return failed;
  }
  // Resume a sync of this revision that a previous run of the controller left Running.
  const previous = status.operationState;
  const resume: SyncState | undefined =
    previous?.phase === 'Running' && previous.revision === input.revision && previous.syncState
      ? { phase: 'Running', phaseIndex: previous.syncState.phaseIndex ?? 0, waveIndex: previous.syncState.waveIndex ?? 0, results: (previous.syncResult?.resources ?? []) as ResourceResult[] }
      : undefined;
  let latest: SyncState | undefined;
  let progressTimer: { cancel(): void } | undefined;
  let finished = false;
  let writing = Promise.resolve();
  const flush = (): Promise<void> => {
    writing = writing.then(async () => {
      if (finished || !latest || latest.phase !== 'Running') return;
      status.operationState = op(latest);
      await writer.write(status).catch((err) => deps.log('writing sync progress failed', err));
    });
    return writing;
  };
  const state = await runSync(
    plan,
    {
      client: deps.client,
      clock: deps.clock,
      getLive: async (id) => {
        const apiVersion = id.version !== undefined ? apiVersionOf({ group: id.group, version: id.version }) : (deps.live.apiVersionOf(id.group, id.kind) ?? apiVersionOf({ group: id.group, version: 'v1' }));
        try {
          const rc = deps.client.resource(apiVersion, id.kind);
          return (await (id.namespace ? rc.namespace(id.namespace) : rc).get(id.name)) as never;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
      assessHealth: (obj) => healthOf(obj),
      // Progress is written only once a sync has run for a while: a quick sync writes its
      // outcome once; a long one (waves waiting on health) shows where it is, for resuming.
      onProgress: async (s) => {
        latest = s;
        if (deps.clock.now() - startedAt >= PROGRESS_AFTER_MS) await flush();
        else if (!progressTimer) progressTimer = deps.clock.setTimeout(() => void flush(), PROGRESS_AFTER_MS);
      },
      ...(deps.waveTimeoutMs ? { waveTimeoutMs: deps.waveTimeoutMs } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    },
    resume,
  );
  finished = true;
  progressTimer?.cancel();
  await writing;
  const finishedAt = deps.clock.now();
  status.operationState = op(state, finishedAt);
  deps.metrics.recordSync(appRef, state.phase, (finishedAt - startedAt) / 1000);
  if (input.dryRun || state.phase === 'Running') return state; // a dry run records nothing; an interrupted sync resumes
  status.inventory = { revision: input.revision, entries: nextInventory(input.desired, [...input.inventory, ...input.cmp.orphans], state.results) };
  // A deployment is a new revision, or a requested sync that changed something at the same one.
  const changed = state.results.some((r) => r.operation === 'created' || r.operation === 'configured' || r.operation === 'pruned');
  const lastDeployed = status.history?.[status.history.length - 1]?.revision;
  if (state.phase === 'Succeeded' && (lastDeployed !== input.revision || (changed && input.initiatedBy !== 'automated'))) {
    const commit = await input.repo.commitInfo(input.revision);
    status.history = appendHistory(status.history ?? [], historyEntry(status.history ?? [], commit, state.results, new Date(finishedAt)));
  }
  return state;
}

/** The inventory after a sync: what is desired now, plus every earlier entry that was not pruned (skipped or failed). */
function nextInventory(desired: DesiredObject[], previous: InventoryEntry[], results: ResourceResult[]): InventoryEntry[] {
  const kept = new Map<string, InventoryEntry>();
  for (const d of desired) {
    const id = resourceIdOf(d.object);
    kept.set(resourceKey(id), { ...id, version: versionOf(d.object.apiVersion) });
  }
  const pruned = new Set<string>();
  for (const r of results) {
    const key = resourceKey(r);
    if (r.status === 'Pruned') pruned.add(key);
    else if (!kept.has(key) && (r.status === 'PruneSkipped' || r.operation === 'failed')) kept.set(key, { group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name });
  }
  for (const e of previous) {
    const key = resourceKey(e);
    if (!kept.has(key) && !pruned.has(key)) kept.set(key, e);
  }
  return [...kept.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e);
}

function backoffMs(app: Application, failures: number): number {
  const b = app.spec.syncPolicy?.retry?.backoff;
  const base = parseDuration(b?.duration ?? '5s');
  const max = parseDuration(b?.maxDuration ?? '3m');
  return Math.min(max, base * Math.pow(b?.factor ?? 2, Math.max(0, failures - 1)));
}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s.trim());
  if (!m) return 5_000;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
}
