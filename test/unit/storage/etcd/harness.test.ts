import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { etcdAvailable, etcdSkipReason, freePort, pidAlive, startEtcd } from '../../../support/etcd.js';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs test/support/etcd-child.ts and returns what it printed and the child. */
async function startChild(args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/etcd-child.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const info = await new Promise<{ pid: number; dataDir: string; endpoint: string }>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code} before reporting: ${err}`)));
  });
  return { child, info };
}

describe('freePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await new Promise<void>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen({ host: '127.0.0.1', port }, () => s.close(() => resolve()));
    });
  });
});

describe('etcdAvailable', () => {
  it('honours GITPLANE_SKIP_ETCD and a bad GITPLANE_ETCD_BIN', () => {
    const saved = { skip: process.env.GITPLANE_SKIP_ETCD, bin: process.env.GITPLANE_ETCD_BIN };
    try {
      process.env.GITPLANE_SKIP_ETCD = 'not today';
      expect(etcdAvailable()).toBeUndefined();
      expect(etcdSkipReason()).toBe('not today');
      delete process.env.GITPLANE_SKIP_ETCD;
      process.env.GITPLANE_ETCD_BIN = '/nonexistent/etcd';
      expect(etcdAvailable()).toBeUndefined();
    } finally {
      if (saved.skip === undefined) delete process.env.GITPLANE_SKIP_ETCD;
      else process.env.GITPLANE_SKIP_ETCD = saved.skip;
      if (saved.bin === undefined) delete process.env.GITPLANE_ETCD_BIN;
      else process.env.GITPLANE_ETCD_BIN = saved.bin;
    }
  });
});

describe.skipIf(!etcdAvailable())(`etcd harness${etcdAvailable() ? '' : ` (skipped: ${etcdSkipReason()})`}`, () => {
  it('starts a healthy etcd on loopback and stops it leaving no process and no data dir', async () => {
    const etcd = await startEtcd();
    expect(etcd.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(pidAlive(etcd.pid)).toBe(true);
    expect(existsSync(etcd.dataDir)).toBe(true);
    const res = await fetch(`${etcd.endpoint}/health`);
    expect(await res.json()).toMatchObject({ health: 'true' });
    await etcd.stop();
    expect(pidAlive(etcd.pid)).toBe(false);
    expect(existsSync(etcd.dataDir)).toBe(false);
    await etcd.stop(); // idempotent
  });

  it('runs two at once on different ports', async () => {
    const [a, b] = await Promise.all([startEtcd(), startEtcd()]);
    try {
      expect(a.endpoint).not.toBe(b.endpoint);
      expect(a.pid).not.toBe(b.pid);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(pidAlive(a.pid)).toBe(false);
    expect(pidAlive(b.pid)).toBe(false);
  });

  it('restarts on the same port and data dir after a kill', async () => {
    const etcd = await startEtcd();
    try {
      await fetch(`${etcd.endpoint}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({ key: Buffer.from('k').toString('base64'), value: Buffer.from('v').toString('base64') }),
      });
      const first = etcd.pid;
      await etcd.kill();
      expect(pidAlive(first)).toBe(false);
      await etcd.restart();
      expect(etcd.pid).not.toBe(first);
      const res = await fetch(`${etcd.endpoint}/v3/kv/range`, {
        method: 'POST',
        body: JSON.stringify({ key: Buffer.from('k').toString('base64') }),
      });
      const body = (await res.json()) as { kvs?: Array<{ value: string }> };
      expect(Buffer.from(body.kvs?.[0]?.value ?? '', 'base64').toString()).toBe('v');
    } finally {
      await etcd.stop();
    }
    expect(pidAlive(etcd.pid)).toBe(false);
  });

  it('kills etcd and removes its data dir when the process that started it is SIGKILLed', async () => {
    const { child, info } = await startChild();
    expect(pidAlive(info.pid)).toBe(true);
    child.kill('SIGKILL');
    await waitUntil(() => !pidAlive(info.pid), 10_000, `etcd ${info.pid} to die`);
    await waitUntil(() => !existsSync(info.dataDir), 10_000, `${info.dataDir} to be removed`);
  });

  it('kills etcd when the process that started it exits without stopping it', async () => {
    const { child, info } = await startChild(['--exit']);
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    // The exit hook kills synchronously; allow for reaping by init.
    await waitUntil(() => !pidAlive(info.pid), 5_000, `etcd ${info.pid} to die`);
    await waitUntil(() => !existsSync(info.dataDir), 5_000, `${info.dataDir} to be removed`);
  });
});
