// The Application controller: a work queue of "ns/name" keys fed by the
// Application informer (spec, operation, refresh and deletion changes), by Git
// (ref watcher, poller, webhook) and by the live cache (any tracked object
// changing), with one idempotent reconcile per key. Apps never wait on each other
// except for a worker slot.

import type { Application, ApplicationStatus } from '../../api/generated/index.js';
import type { ApiHandler } from '../../api/handler.js';
import { isNotFound, runWorkers, WorkQueue, type Client, type SharedIndexInformer, InformerFactory } from '../../client/index.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { Renderer } from '../render/index.js';
import { gitAuthFromSecret, parsePushWebhook, repoMatches, type GitAuthOptions, type GitRepository } from '../source/index.js';
import { LiveCache } from './live-cache.js';
import { GitOpsMetrics } from './metrics.js';
import { reconcilePreviews, RESOURCES_FINALIZER } from './previews.js';
import { reconcileApplication, type AppMemory, type SyncRequest } from './reconcile.js';
import { RepoManager } from './repos.js';
import { rollback } from './rollback.js';
import { deleteManagedResources } from './finalizer.js';
import { checkSpec } from './spec-check.js';
import { rfc3339, setConditions, writeStatus } from './status.js';

export const REFRESH_ANNOTATION = 'gitplane.io/refresh';

export interface GitOpsControllerOptions {
  client: Client;
  /** Clones of remote repositories live under <dataDir>/repos. */
  dataDir: string;
  clock?: Clock;
  log?: (message: string, err?: unknown) => void;
  /** Apps reconciled at once (default 8). */
  workers?: number;
  /** HMAC secret of the push webhook; without one, unsigned pushes are accepted. */
  webhookSecret?: string;
  /** Poll expression for remote repositories (default every 3 minutes). */
  defaultPoll?: string;
  waveTimeoutMs?: number;
}

export class GitOpsController {
  readonly metrics = new GitOpsMetrics();
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly log: (message: string, err?: unknown) => void;
  private readonly queue: WorkQueue<string>;
  private readonly informers: InformerFactory;
  private readonly apps: SharedIndexInformer<Application>;
  private readonly live: LiveCache;
  private readonly repos: RepoManager;
  private readonly memory = new Map<string, AppMemory & { repoURL?: string; abort?: AbortController }>();
  private running: Promise<void> | undefined;
  private readonly lastReconciled = new Map<string, number>();

  constructor(private readonly opts: GitOpsControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? ((m, err) => console.error(`gitops: ${m}`, err ?? ''));
    this.queue = new WorkQueue<string>({ name: 'applications', clock: this.clock, baseDelayMs: 50, maxDelayMs: 60_000 });
    this.informers = new InformerFactory(this.client, { onError: (err) => this.log('watching applications failed', err) });
    this.apps = this.informers.informerFor<Application>('gitplane.io/v1alpha1', 'Application');
    this.live = new LiveCache(this.client, (err) => this.log('watching live objects failed', err));
    this.repos = new RepoManager({ dataDir: opts.dataDir, log: this.log, ...(opts.defaultPoll ? { defaultPoll: opts.defaultPoll } : {}) });
  }

  async start(): Promise<void> {
    this.apps.addEventHandler({
      onAdd: (app) => this.queue.add(keyOf(app)),
      onUpdate: (old, app) => {
        if (!needsReconcile(old, app)) return;
        // A spec change stops a running sync (it resumes against the new spec); our own
        // `operation: null` write does not.
        if (JSON.stringify(old.spec) !== JSON.stringify(app.spec)) this.interrupt(keyOf(app));
        this.queue.add(keyOf(app));
      },
      onDelete: (app) => this.queue.add(keyOf(app as Application)),
    });
    // Tracked objects changing (a kubectl edit, a controller's status) wake their app shortly.
    this.live.onTrackedChange((appKey) => this.queue.addAfter(appKey, 20));
    this.informers.start();
    await this.informers.waitForCacheSync();
    this.running = runWorkers(this.queue, this.opts.workers ?? 8, async (key) => {
      const result = await this.reconcile(key);
      this.lastReconciled.set(key, this.clock.now());
      return result;
    }, {
      onError: (err, key) => this.log(`reconciling application ${key} failed (will retry)`, err),
    });
  }

  async stop(): Promise<void> {
    // A sync waiting on a wave's health must not hold up shutdown: stop it (it resumes on the next start).
    for (const mem of this.memory.values()) mem.abort?.abort();
    this.queue.shutdown();
    await this.running;
    await this.repos.close();
    await this.live.stop();
    await this.informers.stop();
  }

  /** When the app's last reconcile finished (clock ms), if it ran since this controller started. */
  reconciledAt(namespace: string, name: string): number | undefined {
    return this.lastReconciled.get(`${namespace}/${name}`);
  }

  /** Reconcile an app now (CLI refresh, tests). */
  refresh(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }

  /** POST /api/webhook: GitHub, GitLab and Gitea push events. */
  readonly webhookHandler: ApiHandler = async (req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method.toUpperCase() !== 'POST') return reply(405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the webhook accepts POST only', reason: 'MethodNotAllowed', code: 405 });
    const result = parsePushWebhook(req.headers, req.body ?? Buffer.alloc(0), this.opts.webhookSecret);
    if (!result.ok) {
      this.log(`webhook refused (${result.status}): ${result.reason}`);
      return reply(result.status, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: result.reason, reason: result.status === 401 ? 'Unauthorized' : 'BadRequest', code: result.status });
    }
    const refreshed = result.ref === '' ? [] : await this.repos.refresh((url) => repoMatches(url, result.repoURLs));
    reply(200, { provider: result.provider, ref: result.ref, refreshed });
  };

  /** GET /metrics (Prometheus text). */
  readonly metricsHandler: ApiHandler = async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(this.metrics.render());
  };

  private async reconcile(key: string) {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    // The informer tells us the app exists; the reconcile itself starts from a fresh read, so
    // its status patches are never based on a copy older than our own last write.
    const cached = this.apps.lister().get(namespace, name);
    let app = cached ? await this.client.applications.namespace(namespace).get(name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    }) : undefined;
    const memory = this.memory.get(key);
    if (!app) {
      if (memory?.repoURL) await this.repos.release(memory.repoURL, key);
      this.memory.delete(key);
      this.metrics.forget({ namespace, name });
      return;
    }
    if (app.metadata.deletionTimestamp) return this.finalize(key, app);
    const problems = checkSpec(app);
    if (problems.length > 0 || app.status?.conditions?.some((c) => c.type === 'InvalidSpecError')) {
      const now = rfc3339(this.clock.now());
      const conditions = setConditions(app.status?.conditions, ['InvalidSpecError'], problems.map((message) => ({ type: 'InvalidSpecError', message })), now);
      if (problems.length > 0) {
        await writeStatus(this.client, app, { ...app.status, sync: { status: 'Unknown', ...(app.status?.sync?.revision ? { revision: app.status.sync.revision } : {}) }, conditions });
        this.metrics.setStatus({ namespace, name }, 'Unknown', app.status?.health?.status ?? 'Unknown');
        return;
      }
      const { conditions: _old, ...rest } = app.status ?? {};
      const cleared: ApplicationStatus = conditions.length > 0 ? { ...rest, conditions } : rest;
      app = await writeStatus(this.client, app, cleared);
    }
    const mem = memory ?? { renderer: new Renderer() };
    this.memory.set(key, mem);
    const repoURL = app.spec.source.repoURL;
    if (mem.repoURL && mem.repoURL !== repoURL) await this.repos.release(mem.repoURL, key);
    mem.repoURL = repoURL;
    let repo: GitRepository;
    try {
      repo = await this.repos.open(
        repoURL,
        key,
        () => {
          this.queue.add(key);
          void this.interruptIfMoved(key);
        },
        await this.credentials(app),
        app.spec.source.pollInterval,
      );
    } catch (err) {
      const message = `cannot open repository ${repoURL}: ${err instanceof Error ? err.message : String(err)}`;
      const status: ApplicationStatus = { ...app.status, sync: { status: 'Unknown' }, conditions: [{ type: 'ComparisonError', message, lastTransitionTime: rfc3339(this.clock.now()) }] };
      await writeStatus(this.client, app, status);
      return { requeueAfterMs: 10_000 };
    }
    const abort = new AbortController();
    const deps = { client: this.client, clock: this.clock, live: this.live, metrics: this.metrics, log: this.log, signal: abort.signal, ...(this.opts.waveTimeoutMs ? { waveTimeoutMs: this.opts.waveTimeoutMs } : {}) };
    const appClient = this.client.applications.namespace(namespace);
    let request: SyncRequest | undefined;
    if (app.operation?.rollback) {
      await appClient.patch(name, { operation: null }, 'merge');
      const startedAt = rfc3339(this.clock.now());
      let state: ApplicationStatus['operationState'];
      try {
        const outcome = await rollback(app, repo, app.operation.rollback, new Date(this.clock.now()));
        state = { operation: 'rollback', phase: 'Succeeded', message: outcome.message, startedAt, finishedAt: rfc3339(this.clock.now()) };
      } catch (err) {
        state = { operation: 'rollback', phase: 'Failed', message: `rollback failed: ${err instanceof Error ? err.message : String(err)}`, startedAt, finishedAt: rfc3339(this.clock.now()) };
      }
      await writeStatus(this.client, app, { ...app.status, operationState: state });
      return { requeueAfterMs: 1 };
    }
    if (app.operation?.sync) {
      const op = app.operation.sync;
      await appClient.patch(name, { operation: null }, 'merge');
      request = { initiatedBy: app.operation.initiatedBy ?? 'user', ...(op.revision ? { revision: op.revision } : {}), ...(op.prune !== undefined ? { prune: op.prune } : {}), ...(op.dryRun ? { dryRun: true } : {}) };
      if (op.revision && app.spec.syncPolicy?.automated) {
        const pinned = await repo.resolveRevision(op.revision).catch(() => undefined);
        const tracked = await repo.resolveRevision(app.spec.source.targetRevision === 'HEAD' ? undefined : app.spec.source.targetRevision).catch(() => undefined);
        if (pinned && pinned !== tracked) {
          // An emergency sync to another revision: automated sync would undo it at once, so it is switched off (as Argo CD does on rollback).
          await appClient.patch(name, { spec: { syncPolicy: { automated: null } } }, 'merge');
          this.log(`application ${key}: synced to ${op.revision} without a commit; automated sync disabled until re-enabled`);
        }
      }
    }
    const running = app.status?.operationState;
    if (!request && running?.phase === 'Running' && running.operation && running.operation !== 'automated' && running.operation !== 'rollback' && running.revision) {
      // A requested sync that was interrupted (by a newer commit, a spec change or a restart) is
      // finished before anything else, as Argo CD keeps an operation until it completes.
      request = { initiatedBy: running.operation, revision: running.revision };
    }
    const fresh = request ? await appClient.get(name) : app;
    mem.abort = abort; // from here on, a newer commit or spec interrupts the sync
    const result = await reconcileApplication(deps, fresh, repo, mem, request);
    if (app.spec.previews?.branches?.length) {
      const latest = (await appClient.get(name)) as Application;
      const target = await repo.resolveRevision(app.spec.source.targetRevision === 'HEAD' ? undefined : app.spec.source.targetRevision);
      const previews = await reconcilePreviews(this.client, latest, repo, target);
      await writeStatus(this.client, latest, { ...latest.status, previews });
    }
    if (request?.revision && app.spec.syncPolicy?.automated) {
      const latest = (await appClient.get(name)) as Application;
      if (!latest.spec.syncPolicy?.automated) {
        await writeStatus(this.client, latest, { ...latest.status, autoSyncDisabledReason: `synced to ${request.revision} without a commit at ${rfc3339(this.clock.now())}; automated sync is off until re-enabled (gitplane app set ${name} --auto-sync)` });
      }
    }
    return result;
  }

  /** Interrupt the app's running sync if what it syncs now resolves to another commit (refs move for many reasons). */
  private async interruptIfMoved(key: string): Promise<void> {
    const mem = this.memory.get(key);
    const syncing = mem?.syncing;
    if (!syncing || !mem.repoURL) return;
    try {
      const repo = await this.repos.peek(mem.repoURL);
      if (repo && (await repo.resolveRevision(syncing.target)) !== syncing.revision) this.interrupt(key);
    } catch {
      // the next reconcile reports what is wrong with the repository
    }
  }

  /** Stop the app's running sync at the next task boundary (it resumes when reconciled again). */
  private interrupt(key: string): void {
    this.memory.get(key)?.abort?.abort();
  }

  private async finalize(key: string, app: Application) {
    const finalizers = app.metadata.finalizers ?? [];
    if (!finalizers.includes(RESOURCES_FINALIZER)) return;
    const remaining = await deleteManagedResources(this.client, this.live, app);
    if (remaining > 0) return { requeueAfterMs: 250 };
    await this.client.applications.namespace(app.metadata.namespace ?? 'default').patch(app.metadata.name!, { metadata: { finalizers: finalizers.filter((f) => f !== RESOURCES_FINALIZER), resourceVersion: app.metadata.resourceVersion } }, 'merge');
    const mem = this.memory.get(key);
    if (mem?.repoURL) await this.repos.release(mem.repoURL, key);
    this.memory.delete(key);
    return;
  }

  private async credentials(app: Application): Promise<GitAuthOptions | undefined> {
    const ref = app.spec.source.secretRef;
    if (!ref) return undefined;
    return gitAuthFromSecret(await this.client.secrets.namespace(app.metadata.namespace ?? 'default').get(ref.name));
  }
}

function keyOf(app: Application): string {
  return `${app.metadata.namespace ?? 'default'}/${app.metadata.name!}`;
}

/** Spec, operation, refresh requests and deletion matter; the controller's own status writes do not. */
function needsReconcile(old: Application, app: Application): boolean {
  if (old.metadata.generation !== app.metadata.generation) return true;
  if (app.operation && JSON.stringify(old.operation) !== JSON.stringify(app.operation)) return true;
  if (old.metadata.annotations?.[REFRESH_ANNOTATION] !== app.metadata.annotations?.[REFRESH_ANNOTATION]) return true;
  if (!old.metadata.deletionTimestamp && app.metadata.deletionTimestamp) return true;
  return JSON.stringify(old.metadata.finalizers) !== JSON.stringify(app.metadata.finalizers);
}
