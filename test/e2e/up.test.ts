// A new user's first ten minutes, as the README tells them: `npm start` (the
// real gitplane binary, `gitplane up`) in the background with a temp data dir;
// the example app becomes Healthy and its NodePort answers; a `git commit` in
// the printed repository changes what is served and `git revert` changes it
// back; kubectl works with the printed kubeconfig; Ctrl-C leaves no child
// process; a restart reaches the same state without re-creating pods.
// Pods use loopback addresses (--pod-network loopback) so this suite never
// shares the host bridge with the node e2e suite running beside it.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { imageKubectl } from './support/kubectl.js';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-e2e-up-'));
const dataDir = path.join(scratch, 'data');

interface Up {
  child: ChildProcess;
  output: () => string;
  /** npm exits by re-raising the SIGINT it got; gitplane itself prints "stopped" once it is down. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Up>();

/** `npm start -- <args>` in its own process group (so Ctrl-C can go to the whole group, as a terminal sends it). */
function npmStart(): Up {
  const child = spawn('npm', ['start', '--', '--data-dir', dataDir, '--port', '0', '--pod-network', 'loopback'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const up: Up = { child, output: () => out, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
  running.add(up);
  void up.exited.then(() => running.delete(up));
  return up;
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Every process descending from `pid` (from /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', ['-c', 'user.name=New User', '-c', 'user.email=new@example.com', ...args], { cwd, env: GIT_ENV, timeout: 30_000 });
  return stdout.trim();
}

async function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  const bin = imageKubectl();
  if (bin.error) throw new Error(bin.error);
  if (!bin.path) throw new Error(`SKIP ${bin.skipReason}`);
  const { stdout } = await execFileAsync(bin.path, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: scratch }, timeout: 30_000 });
  return stdout.trim();
}

/** Ctrl-C: SIGINT to the process group, then wait for the exit. */
async function ctrlC(up: Up): Promise<boolean> {
  process.kill(-up.child.pid!, 'SIGINT');
  const exit = await Promise.race([up.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`gitplane up did not stop within 60 s:\n${up.output()}`)), 60_000))]);
  return (exit.code === 0 || exit.signal === 'SIGINT') && /\nstopped\n/.test(up.output());
}

afterAll(async () => {
  for (const up of running) {
    for (const pid of descendants(up.child.pid!)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (alive(up.child.pid!)) process.kill(-up.child.pid!, 'SIGKILL');
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}, 90_000);

describe('npm start: the whole story for a new user', () => {
  let up: Up;
  let kubeconfig = '';
  let repo = '';
  let podUids = '';

  it('1. npm start brings the example app up Healthy within 30 s, and its NodePort answers', async () => {
    const started = Date.now();
    up = npmStart();
    const out = await until(() => (/Press Ctrl-C/.test(up.output()) ? up.output() : undefined), 'the start-up summary', 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${up.output()}`);
    });
    kubeconfig = /kubeconfig:\s+(\S+)/.exec(out)![1]!;
    repo = /repository:\s+(\S+)/.exec(out)![1]!;
    expect(out).toMatch(/first sync of example .*: Synced, Healthy/);
    expect(Date.now() - started).toBeLessThan(30_000 + 15_000); // start-up itself plus 30 s to Healthy
    expect(fs.existsSync(path.join(repo, '.git'))).toBe(true);
    expect(await git(repo, ['log', '--format=%an', '-1'])).toBe('gitplane example');
    expect(await until(() => get('http://127.0.0.1:30080/greeting'), 'the NodePort', 15_000)).toBe('Hello from gitplane');
  }, 120_000);

  it('2. a git commit in the printed repository changes what is served', async () => {
    const file = path.join(repo, 'base', 'settings.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Hello from gitplane', 'Hello, committed'));
    await git(repo, ['commit', '-qam', 'a new greeting']);
    await until(async () => (await get('http://127.0.0.1:30080/greeting')) === 'Hello, committed', 'the committed greeting to be served', 20_000);
  });

  it('3. git revert changes it back', async () => {
    await git(repo, ['revert', '--no-edit', 'HEAD']);
    await until(async () => (await get('http://127.0.0.1:30080/greeting')) === 'Hello from gitplane', 'the greeting to be reverted', 20_000);
  });

  it('4. kubectl get pods works with the printed kubeconfig', async () => {
    let names: string;
    try {
      names = await kubectl(kubeconfig, ['get', 'pods', '-n', 'demo', '-o', 'name']);
    } catch (err) {
      if ((err as Error).message.startsWith('SKIP')) return console.warn(`[e2e up] ${(err as Error).message}`);
      throw err;
    }
    expect(names.split('\n').filter((n) => n.startsWith('pod/web-'))).toHaveLength(2);
    podUids = (await kubectl(kubeconfig, ['get', 'pods', '-n', 'demo', '-o', 'jsonpath={.items[*].metadata.uid}'])).split(' ').sort().join(' ');
  });

  it('5. Ctrl-C stops everything: no child process is left', async () => {
    const pids = descendants(up.child.pid!);
    expect(pids.length).toBeGreaterThan(2); // npm → node → pods
    expect(await ctrlC(up)).toBe(true);
    await until(() => pids.every((p) => !alive(p)) || undefined, 'every child process to exit', 10_000);
    expect(up.output()).toContain('stopped');
  }, 90_000);

  it('6. a restart reaches the same state without re-creating pods', async () => {
    up = npmStart();
    const out = await until(() => (/Press Ctrl-C/.test(up.output()) ? up.output() : undefined), 'the start-up summary', 60_000);
    expect(out).toMatch(/first sync of example .*: Synced, Healthy/);
    expect(out).not.toContain('new, first commit');
    expect(await until(() => get('http://127.0.0.1:30080/greeting'), 'the NodePort after the restart', 15_000)).toBe('Hello from gitplane');
    if (podUids) {
      const after = (await kubectl(kubeconfig, ['get', 'pods', '-n', 'demo', '-o', 'jsonpath={.items[*].metadata.uid}'])).split(' ').sort().join(' ');
      expect(after).toBe(podUids);
    }
    expect(await ctrlC(up)).toBe(true);
  }, 180_000);
});
