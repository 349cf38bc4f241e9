// Exit codes through main(): 0 ok (and --help), 2 usage errors, 1 failures
// (no kubeconfig, server unreachable — one line naming the server).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigYaml } from '../../../src/cli/kubeconfig.js';
import { runCli } from './run-cli.js';

describe('exit codes', () => {
  let dir: string;
  let closedPort: number;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-cli-'));
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closedPort = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    fs.writeFileSync(path.join(dir, 'refused'), kubeconfigYaml({ server: `http://127.0.0.1:${closedPort}` }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help exits 0 and shows examples', async () => {
    for (const verb of ['list', 'get', 'create', 'delete', 'set', 'refresh', 'sync', 'diff', 'history', 'rollback', 'audit']) {
      const r = await runCli(['app', verb, '--help']);
      expect(r.code, verb).toBe(0);
      expect(r.stdout, verb).toContain('Examples:');
    }
    const audit = await runCli(['audit', '--help']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('--resource <kind/ns/name>');
  });

  it.each([
    [['app', 'sync']],
    [['app', 'sync', 'web', '--bogus']],
    [['app', 'list', '-o', 'xml']],
    [['app', 'sync', 'web', '--timeout', 'soon']],
    [['app', 'rollback', 'web', '--to', 'x']],
    [['app', 'create', 'web']],
    [['app', 'get', 'a', 'b']],
    [['app']],
    [['audit', '--bogus']],
  ])('usage error %j exits 2', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
  });

  it('a missing kubeconfig is one line and exit 1', async () => {
    const r = await runCli(['app', 'list', '--kubeconfig', path.join(dir, 'nope')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no kubeconfig at');
  });

  it('an unreachable server is one line naming it, and exit 1', async () => {
    const r = await runCli(['app', 'list', '--kubeconfig', path.join(dir, 'refused')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`gitplane: cannot connect to the API server at http://127.0.0.1:${closedPort}: connection refused (is the cluster running? \`gitplane up\`)`]);
  });

  it('a context that is not in the kubeconfig is exit 1', async () => {
    const r = await runCli(['app', 'list', '--kubeconfig', path.join(dir, 'refused'), '--context', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('context "nope" not found');
  });
});
