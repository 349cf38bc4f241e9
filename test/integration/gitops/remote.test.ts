// An Application on a remote repository: cloned over HTTP with credentials from
// a Secret, refreshed by a signed push webhook (not by waiting for the 3-minute
// poll), and rolled back with a revert commit pushed to the server.

import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, inProcessTransport, type Client } from '../../../src/client/index.js';
import { GitOpsController } from '../../../src/gitops/controller/index.js';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';
import { eventually } from '../../support/controllers.js';
import { gitAsync, serveGitHttp, tempDir, type GitHttpServer } from '../../support/git.js';
import { runCli } from '../../unit/cli/run-cli.js';

type Obj = Record<string, any>;
const NS = 'gitplane-system';
const SECRET = 'hook-secret';

let cluster: TestCluster;
let client: Client;
let gitops: GitOpsController;
let server: GitHttpServer;
let root: string;
let work: string;
let second = '';

const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;

async function push(message: string, value: string): Promise<string> {
  fs.writeFileSync(`${work}/settings.yaml`, cm(value));
  await gitAsync(work, 'add', '-A');
  await gitAsync(work, 'commit', '-q', '-m', message);
  await gitAsync(work, 'push', '-q', 'origin', 'main');
  return gitAsync(work, 'rev-parse', 'HEAD');
}

async function hook(after: string): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: server.url('remote.git') } });
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  return cluster.request('POST', '/api/webhook', body, { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-signature': signature.slice(7) });
}

const value = async () => ((await client.configMaps.namespace('remote-demo').get('settings')) as Obj).data.value;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = createClient(inProcessTransport(cluster.api.handler, { headers: { authorization: `Bearer ${cluster.adminToken}` } }));
  root = tempDir('gitplane-remote-');
  await gitAsync(root, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
  server = await serveGitHttp(root, { deploy: 's3cret' });
  work = `${root}/work`;
  const authed = server.url('remote.git').replace('http://', 'http://deploy:s3cret@');
  await gitAsync(root, 'clone', '-q', authed, 'work');
  await push('first', 'one');
  gitops = new GitOpsController({ client, dataDir: cluster.dataDir, webhookSecret: SECRET, log: () => undefined });
  await gitops.start();
  cluster.api.addRoute({ path: '/api/webhook', public: true, handler: gitops.webhookHandler });
  await client.secrets.namespace(NS).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'repo-creds' }, stringData: { username: 'deploy', password: 's3cret' } } as never);
}, 60_000);

afterAll(async () => {
  await gitops?.stop();
  client?.close();
  await cluster?.close();
  await server?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('an Application on a remote Git repository', () => {
  it('clones with credentials from a Secret and syncs', async () => {
    await client.applications.namespace(NS).create({
      apiVersion: 'gitplane.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'remote' },
      spec: {
        source: { repoURL: server.url('remote.git'), secretRef: { name: 'repo-creds' }, targetRevision: 'main' },
        destination: { namespace: 'remote-demo' },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      },
    } as never);
    await eventually(async () => (await value().catch(() => undefined)) === 'one', 'the first sync from the remote');
  });

  it('a signed push webhook fetches and syncs at once', async () => {
    const sha = await push('second', 'two');
    const reply = await hook(sha);
    expect(reply.status).toBe(200);
    expect(reply.body.refreshed).toEqual([`${NS}/remote`]);
    await eventually(async () => (await value()) === 'two', 'the pushed change to be synced', 5_000);
    await eventually(async () => {
      const app = (await client.applications.namespace(NS).get('remote')) as Obj;
      return app.status?.sync?.status === 'Synced' && app.status.sync.revision === sha;
    }, 'the app to report Synced at the pushed commit');
    second = sha;
  });

  it('gitplane app diff --revision previews a pushed branch (the pull-request review), with the Secret\'s credentials', async () => {
    await gitAsync(work, 'checkout', '-q', '-b', 'feature/three');
    fs.writeFileSync(`${work}/settings.yaml`, cm('three'));
    await gitAsync(work, 'commit', '-qam', 'three');
    await gitAsync(work, 'push', '-q', 'origin', 'feature/three');
    await gitAsync(work, 'checkout', '-q', 'main');
    const cache = tempDir('gitplane-cli-cache-');
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      const kubeconfig = ['--kubeconfig', cluster.kubeconfig];
      const differs = await runCli(['app', 'diff', 'remote', '--revision', 'feature/three', '--no-color', ...kubeconfig]);
      expect(differs.code, differs.stderr).toBe(1);
      expect(differs.stdout).toContain('-  value: two');
      expect(differs.stdout).toContain('+  value: three');
      const same = await runCli(['app', 'diff', 'remote', '--no-color', ...kubeconfig]);
      expect(same.code, same.stderr + same.stdout).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('rollback pushes a revert commit to the server and the app converges to it', async () => {
    await client.applications.namespace(NS).patch('remote', { operation: { rollback: { author: 'Ops <ops@example.com>' }, initiatedBy: 'test' } }, 'merge');
    // The revert lands on the server (the rollback's operationState may already be replaced by the sync that follows it).
    const reverted = await eventually(async () => {
      const head = (await gitAsync(work, 'ls-remote', 'origin', 'refs/heads/main')).split('\t')[0];
      return head && head !== second ? head : undefined;
    }, 'a revert commit pushed to the server');
    await gitAsync(work, 'pull', '-q', 'origin', 'main');
    expect(await gitAsync(work, 'rev-parse', 'HEAD')).toBe(reverted);
    expect(await gitAsync(work, 'log', '-1', '--format=%s|%an')).toBe('Revert "second"|Ops');
    await eventually(async () => (await value()) === 'one', 'the app to converge to the revert', 10_000);
    const app = (await client.applications.namespace(NS).get('remote')) as Obj;
    expect(app.status.history.map((h: Obj) => h.message)).toEqual(['first', 'second', 'Revert "second"\n\nThis reverts commit ' + second + '.']);
  });
});
