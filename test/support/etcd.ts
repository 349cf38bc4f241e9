// A throwaway single-member etcd for tests: free loopback ports, a temp data
// dir, a health wait with a deadline, and a stop by PID that leaves nothing
// behind. A watchdog shell kills etcd if this process dies without cleaning
// up (a test worker killed by SIGKILL), and an exit hook covers normal exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, freePorts } from './ports.js';

export { freePort, freePorts };

export interface EtcdProcess {
  /** Client URL, e.g. "http://127.0.0.1:41234". */
  endpoint: string;
  pid: number;
  dataDir: string;
  /** SIGTERM, SIGKILL after a deadline, wait for the exit, remove the data dir. Idempotent. */
  stop(): Promise<void>;
  /** Kill etcd abruptly (SIGKILL) but keep the data dir, for restart tests. */
  kill(): Promise<void>;
  /** Start etcd again on the same ports and data dir (after kill() or stop() without removal). */
  restart(): Promise<void>;
  /** The last lines etcd printed. */
  logs(): string;
}

export interface StartEtcdOptions {
  /** etcd's --experimental-watch-progress-notify-interval, in ms (etcd's default is 10 minutes). */
  progressNotifyIntervalMs?: number;
  /** etcd's --max-txn-ops (etcd's default is 128). */
  maxTxnOps?: number;
  /** Extra command-line flags. */
  args?: string[];
  /** How long to wait for /health (default 30 s). */
  startTimeoutMs?: number;
}

const LOG_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 10_000;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The etcd binary to use, or undefined when there is none (or the test runner
 * decided to skip etcd suites). Order: $GITPLANE_ETCD_BIN, `etcd` on PATH,
 * /usr/bin/etcd.
 */
export function etcdAvailable(): string | undefined {
  if (process.env.GITPLANE_SKIP_ETCD) return undefined;
  const explicit = process.env.GITPLANE_ETCD_BIN;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'etcd');
    if (isExecutable(candidate)) return candidate;
  }
  return isExecutable('/usr/bin/etcd') ? '/usr/bin/etcd' : undefined;
}

/** Why etcd suites skip, for `describe.skipIf` titles and logs. */
export function etcdSkipReason(): string | undefined {
  if (etcdAvailable()) return undefined;
  return process.env.GITPLANE_SKIP_ETCD || 'etcd not installed (run as root or apt-get install etcd-server)';
}

// ---------------------------------------------------------------------------
// Cleanup of everything still running when this process exits.

interface Running {
  child: ChildProcess;
  dataDir: string;
  watchdog?: ChildProcess;
}

const running = new Set<Running>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const r of running) {
      try {
        if (r.child.pid) process.kill(r.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      try {
        if (r.watchdog?.pid) process.kill(r.watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      try {
        rmSync(r.dataDir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
    running.clear();
  });
}

// Kills etcd and removes its data dir when the parent dies without cleaning
// up. Exits by itself once etcd is gone.
const WATCHDOG = `
p=$1; e=$2; d=$3
while kill -0 "$p" 2>/dev/null && kill -0 "$e" 2>/dev/null; do sleep 0.5; done
if ! kill -0 "$p" 2>/dev/null; then kill -9 "$e" 2>/dev/null; sleep 0.2; rm -rf "$d"; fi
`;

function startWatchdog(etcdPid: number, dataDir: string): ChildProcess | undefined {
  try {
    const w = spawn('sh', ['-c', WATCHDOG, 'gitplane-etcd-watchdog', String(process.pid), String(etcdPid), dataDir], {
      detached: true,
      stdio: 'ignore',
    });
    w.on('error', () => undefined);
    w.unref();
    return w;
  } catch {
    return undefined;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class AddressInUse extends Error {}

/** Start a single-member etcd on free loopback ports with a temp data dir. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const bin = etcdAvailable();
  if (!bin) throw new Error(`cannot start etcd: ${etcdSkipReason()}`);
  installExitHook();
  const dataDir = mkdtempSync(join(tmpdir(), 'gitplane-etcd-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const [clientPort, peerPort, metricsPort] = await freePorts(3);
    try {
      return await launch(bin, dataDir, clientPort, peerPort, metricsPort, opts);
    } catch (err) {
      lastError = err;
      if (!(err instanceof AddressInUse)) break;
      rmSync(join(dataDir, 'data'), { recursive: true, force: true });
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  throw lastError;
}

async function launch(
  bin: string,
  dataDir: string,
  clientPort: number,
  peerPort: number,
  metricsPort: number,
  opts: StartEtcdOptions,
): Promise<EtcdProcess> {
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name',
    'gitplane-test',
    '--data-dir',
    join(dataDir, 'data'),
    '--listen-client-urls',
    endpoint,
    '--advertise-client-urls',
    endpoint,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `gitplane-test=${peer}`,
    '--initial-cluster-state',
    'new',
    '--listen-metrics-urls',
    `http://127.0.0.1:${metricsPort}`,
    // A single member elects itself after one election timeout: keep it short.
    '--heartbeat-interval',
    '25',
    '--election-timeout',
    '250',
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
    '--log-level',
    'warn',
  ];
  if (opts.progressNotifyIntervalMs !== undefined) {
    args.push('--experimental-watch-progress-notify-interval', `${opts.progressNotifyIntervalMs}ms`);
  }
  if (opts.maxTxnOps !== undefined) args.push('--max-txn-ops', String(opts.maxTxnOps));
  if (opts.args) args.push(...opts.args);

  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > LOG_LIMIT) log = log.slice(log.length - LOG_LIMIT);
  };

  let current!: Running;
  let stopped = false;

  const spawnOnce = async (): Promise<void> => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (spawned || !child.pid) throw spawned ?? new Error(`could not start ${bin}`);
    current = { child, dataDir, watchdog: startWatchdog(child.pid, dataDir) };
    running.add(current);

    const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
    while (!(await healthy(endpoint))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(current);
        stopWatchdog(current);
        const msg = `etcd exited (${child.exitCode ?? child.signalCode}) before becoming healthy:\n${tail(log)}`;
        if (/address already in use/.test(log)) throw new AddressInUse(msg);
        throw new Error(msg);
      }
      if (Date.now() > deadline) {
        await terminate(current);
        throw new Error(`etcd did not become healthy at ${endpoint} in time:\n${tail(log)}`);
      }
      await delay(50);
    }
  };

  await spawnOnce();

  const handle: EtcdProcess = {
    endpoint,
    get pid() {
      return current.child.pid!;
    },
    dataDir,
    logs: () => log,
    async kill() {
      const r = current;
      try {
        process.kill(r.child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      await waitExit(r.child, STOP_GRACE_MS);
      running.delete(r);
      stopWatchdog(r);
    },
    async restart() {
      if (stopped) throw new Error('etcd was stopped');
      if (current.child.exitCode === null && current.child.signalCode === null) await this.kill();
      await spawnOnce();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(current);
      await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  return handle;
}

function stopWatchdog(r: Running): void {
  try {
    if (r.watchdog?.pid) process.kill(r.watchdog.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function terminate(r: Running): Promise<void> {
  const { child } = r;
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid!, 'SIGTERM');
    } catch {
      // gone
    }
    if (!(await waitExit(child, STOP_GRACE_MS))) {
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      await waitExit(child, STOP_GRACE_MS);
    }
  }
  running.delete(r);
  stopWatchdog(r);
}

function tail(log: string, lines = 30): string {
  return log.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Is a process with this PID still running (and not a zombie of ours)? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
