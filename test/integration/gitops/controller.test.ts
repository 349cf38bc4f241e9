// The Application controller's policies against a real API server and a real
// repository: spec errors, refusing to prune everything, sync failures with
// retries and backoff, an emergency sync to an older revision, and metrics.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, inProcessTransport, type Client } from '../../../src/client/index.js';
import { GitOpsController } from '../../../src/gitops/controller/index.js';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';
import { eventually } from '../../support/controllers.js';
import { gitAsync, tempDir } from '../../support/git.js';

type Obj = Record<string, any>;
const NS = 'gitplane-system';

let cluster: TestCluster;
let client: Client;
let gitops: GitOpsController;
let root: string;
let n = 0;

const cm = (name: string, value: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data:\n  value: "${value}"\n`;

/** A fresh repository with `files`, committed; returns its path and a commit helper. */
async function repo(files: Record<string, string>): Promise<{ dir: string; commit(files: Record<string, string | null>, message?: string): Promise<string> }> {
  const dir = `${root}/repo-${++n}`;
  fs.mkdirSync(dir);
  await gitAsync(dir, 'init', '-q', '-b', 'main');
  const commit = async (change: Record<string, string | null>, message = 'change') => {
    for (const [file, text] of Object.entries(change)) {
      if (text === null) fs.rmSync(`${dir}/${file}`);
      else fs.writeFileSync(`${dir}/${file}`, text);
    }
    await gitAsync(dir, 'add', '-A');
    await gitAsync(dir, 'commit', '-q', '--allow-empty', '-m', message);
    return gitAsync(dir, 'rev-parse', 'HEAD');
  };
  await commit(files, 'first');
  return { dir, commit };
}

function application(name: string, repoURL: string, destination: string, spec: Obj = {}): Obj {
  return {
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: { name },
    spec: { source: { repoURL }, destination: { namespace: destination }, syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] }, ...spec },
  };
}

const apps = () => client.applications.namespace(NS);
const app = async (name: string) => (await apps().get(name)) as Obj;
const value = async (ns: string, name: string) => ((await client.configMaps.namespace(ns).get(name).catch(() => undefined)) as Obj | undefined)?.data?.value;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = createClient(inProcessTransport(cluster.api.handler, { headers: { authorization: `Bearer ${cluster.adminToken}` } }));
  root = tempDir('gitplane-controller-');
  gitops = new GitOpsController({ client, dataDir: cluster.dataDir, log: () => undefined });
  await gitops.start();
});

afterAll(async () => {
  await gitops?.stop();
  client?.close();
  await cluster?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the Application controller', () => {
  it('reports an invalid spec as InvalidSpecError and applies nothing until it is fixed', async () => {
    const r = await repo({ 'a.yaml': cm('a', '1') });
    await apps().create(application('bad-spec', r.dir, 'spec-ns', { syncPolicy: { automated: {}, syncOptions: ['Replace=true'] }, ignoreDifferences: [{ kind: 'Deployment', jqPathExpressions: ['.spec | keys'] }] }) as never);
    const a = await eventually(async () => ((await app('bad-spec')).status?.conditions?.length ? app('bad-spec') : undefined), 'an InvalidSpecError');
    const messages = a.status.conditions.filter((c: Obj) => c.type === 'InvalidSpecError').map((c: Obj) => c.message).join('\n');
    expect(messages).toContain('spec.syncPolicy.syncOptions: unsupported option "Replace=true"');
    expect(messages).toContain('spec.ignoreDifferences:');
    expect(await value('spec-ns', 'a')).toBeUndefined();
    await apps().patch('bad-spec', { spec: { syncPolicy: { syncOptions: ['CreateNamespace=true'] }, ignoreDifferences: null } }, 'merge');
    await eventually(async () => (await value('spec-ns', 'a')) === '1', 'the sync once the spec is fixed');
    await eventually(async () => !(await app('bad-spec')).status.conditions?.some((c: Obj) => c.type === 'InvalidSpecError'), 'the condition to clear');
  });

  it('refuses to prune everything when the path renders nothing, unless allowEmpty', async () => {
    const r = await repo({ 'a.yaml': cm('a', '1'), 'b.yaml': cm('b', '2') });
    await apps().create(application('empty', r.dir, 'empty-ns') as never);
    await eventually(async () => (await value('empty-ns', 'b')) === '2', 'the first sync');
    const emptied = await r.commit({ 'a.yaml': null, 'b.yaml': null }, 'delete everything');
    const a = await eventually(async () => {
      const x = await app('empty');
      return x.status?.operationState?.revision === emptied && x.status.operationState.phase === 'Failed' ? x : undefined;
    }, 'the refused sync');
    expect(a.status.operationState.message).toMatch(/allowEmpty/);
    expect(a.status.conditions).toContainEqual(expect.objectContaining({ type: 'SyncError' }));
    expect(await value('empty-ns', 'a')).toBe('1');
    await apps().patch('empty', { spec: { syncPolicy: { automated: { prune: true, allowEmpty: true } } } }, 'merge');
    await eventually(async () => (await value('empty-ns', 'a')) === undefined && (await value('empty-ns', 'b')) === undefined, 'the prune once allowEmpty is set');
  });

  it('retries a failing sync with backoff up to the limit, then stops', async () => {
    const r = await repo({ 'a.yaml': cm('a', '1', 'no-such-namespace') });
    await apps().create(application('retry', r.dir, 'retry-ns', { syncPolicy: { automated: {}, retry: { limit: 2, backoff: { duration: '100ms', factor: 2, maxDuration: '1s' } } } }) as never);
    const failed = () => /gitplane_app_sync_total\{namespace="gitplane-system",name="retry",phase="Failed"\} (\d+)/.exec(gitops.metrics.render())?.[1];
    await eventually(() => failed() === '3', 'one sync and two retries to fail', 10_000);
    const a = await app('retry');
    expect(a.status.operationState.message).toMatch(/no-such-namespace/);
    expect(a.status.sync.status).toBe('OutOfSync');
    // The limit holds: no fourth attempt (backoff would have allowed one within 400 ms).
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(failed()).toBe('3');
    expect(gitops.metrics.render()).toContain('gitplane_app_sync_duration_seconds_count{namespace="gitplane-system",name="retry"} 3');
  });

  it('a sync waiting on an unhealthy wave is interrupted by the next commit, which goes live at once', async () => {
    // No controllers run here, so a Deployment never becomes available: wave 1 waits on it.
    const deploy = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: stuck\nspec:\n  selector:\n    matchLabels: { app: stuck }\n  template:\n    metadata:\n      labels: { app: stuck }\n    spec:\n      containers: [{ name: c, image: busybox }]\n`;
    const later = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: later\n  annotations:\n    gitplane.io/sync-wave: "1"\ndata:\n  value: "x"\n`;
    const r = await repo({ 'deploy.yaml': deploy, 'later.yaml': later });
    await apps().create(application('stuck', r.dir, 'stuck-ns') as never);
    await eventually(async () => (await client.deployments.namespace('stuck-ns').get('stuck').catch(() => undefined)) !== undefined, 'wave 0 applied');
    expect(await value('stuck-ns', 'later')).toBeUndefined(); // wave 1 waits
    const fixed = await r.commit({ 'deploy.yaml': null, 'now.yaml': cm('now', 'live') }, 'drop the stuck deployment');
    await eventually(async () => (await value('stuck-ns', 'now')) === 'live', 'the next commit to go live without waiting out the wave', 5_000);
    await eventually(async () => {
      const a = await app('stuck');
      return a.status?.sync?.revision === fixed && a.status.operationState?.phase === 'Succeeded' && a.status.operationState.revision === fixed;
    }, 'the app to finish its sync at the new commit');
    expect(await value('stuck-ns', 'later')).toBe('x');
  });

  it('an emergency sync to an older revision turns automated sync off until re-enabled', async () => {
    const r = await repo({ 'a.yaml': cm('a', 'v1') });
    const v1 = await gitAsync(r.dir, 'rev-parse', 'HEAD');
    await apps().create(application('pin', r.dir, 'pin-ns') as never);
    await eventually(async () => (await value('pin-ns', 'a')) === 'v1', 'v1');
    const v2 = await r.commit({ 'a.yaml': cm('a', 'v2') });
    await eventually(async () => (await value('pin-ns', 'a')) === 'v2', 'v2');
    await apps().patch('pin', { operation: { sync: { revision: v1 }, initiatedBy: 'user:test' } }, 'merge');
    await eventually(async () => (await value('pin-ns', 'a')) === 'v1', 'the emergency sync back to v1');
    const a = await eventually(async () => ((await app('pin')).status?.autoSyncDisabledReason ? app('pin') : undefined), 'the auto-sync warning');
    expect(a.spec.syncPolicy.automated).toBeUndefined();
    expect(a.status.autoSyncDisabledReason).toContain(v1.slice(0, 7));
    // A new commit is now only reported, not applied.
    const v3 = await r.commit({ 'a.yaml': cm('a', 'v3') });
    await eventually(async () => {
      const x = await app('pin');
      return x.status?.sync?.revision === v3 && x.status.sync.status === 'OutOfSync';
    }, 'OutOfSync at v3');
    expect(await value('pin-ns', 'a')).toBe('v1');
    expect(v2).not.toBe(v3);
    await apps().patch('pin', { spec: { syncPolicy: { automated: { prune: true } } } }, 'merge');
    await eventually(async () => (await value('pin-ns', 'a')) === 'v3', 'v3 once auto-sync is back on');
  });
});
