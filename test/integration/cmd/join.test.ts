// Scaling out with join tokens, against the whole control plane in this
// process over HTTPS: `gitplane token create` makes a token the running
// server accepts at once, `token delete` and expiry make it get 401; a node
// stack whose client is built from --server/--token/--ca-file registers a
// Ready Node; and the built `gitplane scheduler` binary, run as a child
// process with those flags, takes its leader lease.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../../src/client/index.js';
import { clientFromFlags } from '../../../src/cmd/client-flags.js';
import { startNodeStack, type NodeStack } from '../../../src/cmd/node-stack.js';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';
import { eventually } from '../../support/controllers.js';
import { runGitplane } from '../../unit/cmd/run-gitplane.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'gitplane.js');
const BUILT = fs.existsSync(path.join(ROOT, 'dist', 'cmd', 'main.js'));

let cluster: TestCluster;
let caFile: string;
let scratch: string;
const children: ChildProcess[] = [];
const stacks: NodeStack[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  caFile = path.join(cluster.dataDir, 'pki', 'ca.crt');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-join-'));
});

afterAll(async () => {
  for (const child of children) await stopChild(child);
  for (const s of stacks) await s.stop({ stopPods: true });
  for (const c of clients) c.close();
  await cluster?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** `gitplane token create` on the cluster's data dir; returns the token and what it printed. */
async function createToken(...args: string[]): Promise<{ token: string; stdout: string }> {
  const res = await runGitplane(['token', 'create', '--data-dir', cluster.dataDir, ...args]);
  expect(res.code, res.stderr).toBe(0);
  const m = /gitplane node --server \S+ --token (\S+)/.exec(res.stdout);
  expect(m, res.stdout).toBeTruthy();
  return { token: m![1], stdout: res.stdout };
}

async function statusWith(token: string): Promise<number> {
  return (await cluster.request('GET', '/api/v1/namespaces', undefined, { Authorization: `Bearer ${token}` })).status;
}

describe('join tokens', () => {
  it('a created token works at once, and the printed command names this server and its CA', async () => {
    const { token, stdout } = await createToken('--name', 'worker-a');
    expect(stdout).toContain(`gitplane node --server ${cluster.url} --token ${token} --ca-file ${caFile}`);
    expect(await statusWith(token)).toBe(200);
    expect(await statusWith('not-a-token')).toBe(401);
  });

  it('a deleted token gets 401 within about a second', async () => {
    const { token } = await createToken('--name', 'worker-b');
    expect(await statusWith(token)).toBe(200);
    const res = await runGitplane(['token', 'delete', 'worker-b', '--data-dir', cluster.dataDir]);
    expect(res.code, res.stderr).toBe(0);
    await eventually(async () => (await statusWith(token)) === 401, 'the deleted token to be refused', 5000);
    expect(await statusWith(cluster.adminToken!)).toBe(200);
  });

  it('an expired token gets 401', async () => {
    const { token } = await createToken('--name', 'worker-c', '--ttl', '1s');
    expect(await statusWith(token)).toBe(200);
    await eventually(async () => (await statusWith(token)) === 401, 'the token to expire', 5000);
    const list = await runGitplane(['token', 'list', '--data-dir', cluster.dataDir]);
    expect(list.stdout).toMatch(/worker-c\s+system:nodes\s+\S+\s+<expired>/);
  });
});

describe('gitplane node --server --token --ca-file', () => {
  it('verifies the server against --ca-file, and not without it', async () => {
    const { token } = await createToken('--name', 'tls-check');
    const bare = fs.mkdtempSync(path.join(scratch, 'bare-'));
    const verified = clientFromFlags({ server: cluster.url, token, caFile, dataDir: bare }, 'test');
    const unverified = clientFromFlags({ server: cluster.url, token, dataDir: bare }, 'test');
    const skipping = clientFromFlags({ server: cluster.url, token, insecureSkipTlsVerify: true, dataDir: bare }, 'test');
    const badToken = clientFromFlags({ server: cluster.url, token: 'wrong', caFile, dataDir: bare }, 'test');
    clients.push(verified, unverified, skipping, badToken);
    expect((await verified.namespaces.get('default')).metadata?.name).toBe('default');
    await expect(unverified.namespaces.get('default')).rejects.toThrow(/certificate/);
    expect((await skipping.namespaces.get('default')).metadata?.name).toBe('default');
    await expect(badToken.namespaces.get('default')).rejects.toMatchObject({ code: 401 });
  });

  it('a node stack with a client from the flags registers a Ready Node', async () => {
    const { token } = await createToken('--name', 'joined-1');
    const nodeDir = fs.mkdtempSync(path.join(scratch, 'node-'));
    const client = clientFromFlags({ server: cluster.url, token, caFile, dataDir: nodeDir }, 'gitplane-node');
    clients.push(client);
    // Loopback pod network on a node index no other suite uses: nothing host-wide.
    stacks.push(await startNodeStack({ client, nodeName: 'joined-1', dataDir: nodeDir, runtime: 'process', index: 9, bridge: false, log: () => undefined }));
    const node = await eventually(async () => {
      const res = await cluster.request('GET', '/api/v1/nodes/joined-1');
      const ready = (res.body?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
      return ready?.status === 'True' ? res.body : undefined;
    }, 'node joined-1 to be Ready');
    expect(node.spec.podCIDR).toBe('127.139.0.0/16');
  });

  it.skipIf(!BUILT)('the built binary joins as a scheduler with --server/--token/--ca-file (needs dist/: node scripts/test.mjs builds it)', async () => {
    const { token } = await createToken('--name', 'scheduler-2', '--groups', 'system:kube-scheduler');
    const dataDir = fs.mkdtempSync(path.join(scratch, 'scheduler-'));
    const child = spawn(
      process.execPath,
      [BIN, 'scheduler', '--server', cluster.url, '--token', token, '--ca-file', caFile, '--data-dir', dataDir, '--identity', 'joined-scheduler'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const lease = await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`scheduler exited ${child.exitCode}: ${output}`);
      const res = await cluster.request('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/gitplane-scheduler');
      return res.status === 200 && res.body.spec?.holderIdentity === 'joined-scheduler' ? res.body : undefined;
    }, `the child scheduler to take its lease (output: ${output})`, 30_000);
    expect(lease.metadata.name).toBe('gitplane-scheduler');
    await stopChild(child);
  });
});
