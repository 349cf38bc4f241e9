// The app verbs against a real API server (in-process, port 0) and the real
// Application controller, on a temp Git repository: diff exits 1 with changes
// and 0 without, render errors name file:line, sync prints per-resource results,
// a sync nobody acts on times out with exit 3, audit joins commits with history.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, loadKubeconfig, type Client } from '../../../src/client/index.js';
import { GitOpsController } from '../../../src/gitops/controller/index.js';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';
import { runCli } from './run-cli.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe('app verbs against a live cluster', () => {
  let cluster: TestCluster;
  let client: Client;
  let controller: GitOpsController | undefined;
  let repo: string;
  let kc: string[];

  beforeAll(async () => {
    cluster = await startTestCluster();
    client = createClient(loadKubeconfig(cluster.kubeconfig).transport);
    controller = new GitOpsController({ client, dataDir: cluster.dataDir, log: () => {} });
    await controller.start();
    kc = ['--kubeconfig', cluster.kubeconfig];
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-cli-repo-'));
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.name', 'Alice');
    git(repo, 'config', 'user.email', 'alice@example.com');
    fs.mkdirSync(path.join(repo, 'deploy'));
    fs.writeFileSync(path.join(repo, 'deploy', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: blue\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'settings: blue');
    git(repo, 'checkout', '-q', '-b', 'broken');
    fs.writeFileSync(path.join(repo, 'deploy', 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata: [1, 2]\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'broken manifest');
    git(repo, 'checkout', '-q', 'main');
  });

  afterAll(async () => {
    await controller?.stop();
    client?.close();
    await cluster?.close();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('creates, diffs and syncs an app', async () => {
    expect((await runCli(['app', 'create', 'web', '--repo', repo, '--path', 'deploy', '--dest-namespace', 'default', ...kc])).code).toBe(0);
    // A local working copy's HEAD is pinned to the branch checked out, so switching branches there deploys nothing.
    expect((await client.applications.namespace('gitplane-system').get('web')).spec.source.targetRevision).toBe('main');
    const before = await runCli(['app', 'diff', 'web', '--no-color', ...kc]);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('+++ desired/ConfigMap/default/settings');
    expect(before.stderr).toContain('1 to create');

    const sync = await runCli(['app', 'sync', 'web', '--timeout', '30s', ...kc]);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/ConfigMap\s+default\s+settings\s+Synced\s+created/);
    expect(sync.stdout).toContain('Succeeded');

    const after = await runCli(['app', 'diff', 'web', ...kc]);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe('');

    const list = await runCli(['app', 'list', ...kc]);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+SYNC\s+HEALTH\s+REVISION\s+REPO\s+PATH\s+TARGET\s+AGE$/);

  });

  it('audit marks the deployed commit live and a newer one pending (needs status.history kept by the controller)', async () => {
    fs.writeFileSync(path.join(repo, 'deploy', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: green\n');
    git(repo, 'commit', '-qam', 'settings: green');
    const audit = await runCli(['audit', 'web', '-o', 'json', ...kc]);
    expect(audit.code).toBe(0);
    const rows = JSON.parse(audit.stdout) as Array<{ message: string; live: { state: string } }>;
    expect(rows.map((r) => [r.message, r.live.state])).toEqual([
      ['settings: green', 'pending'],
      ['settings: blue', 'live'],
    ]);
  });

  it('reports render errors with file:line and exit 1', async () => {
    const r = await runCli(['app', 'diff', 'web', '--revision', 'broken', ...kc]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/deploy\/bad\.yaml:\d+/);
    expect(r.stderr).toContain('nothing was compared');
  });

  it('times out with exit 3 when no controller acts on the sync', async () => {
    await controller?.stop();
    controller = undefined;
    const r = await runCli(['app', 'sync', 'web', '--timeout', '1s', ...kc]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('timed out after 1s waiting for web');
  });

  it('a missing app is exit 1 and says where it looked', async () => {
    const r = await runCli(['app', 'get', 'nope', ...kc]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('application "nope" not found in namespace gitplane-system');
  });
});
