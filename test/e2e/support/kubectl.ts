// Real kubectl binaries as child processes for the e2e suites.
//
// Which kubectls: the image's `kubectl` (google-cloud-cli's dispatcher, which
// asks the server's /version and runs the matching real binary) and Debian's
// kubectl 1.20 (extracted by `npm test` into .cache/kubectl). scripts/test.mjs
// hands their paths over in GITPLANE_KUBECTL / GITPLANE_KUBECTL_120, or the
// reason they are missing in GITPLANE_SKIP_KUBECTL / GITPLANE_SKIP_KUBECTL_120.
// A missing binary skips its suite with a printed reason, except under
// CI=true, where it is a failure: CI never skips silently.
//
// Every command runs with an isolated environment (its own HOME, KUBECONFIG,
// TMPDIR and a fresh --cache-dir, so discovery never leaks between commands),
// in its own process group, with a timeout; on timeout, and in cleanup, the
// process is killed by its PID (its group).

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const inCI = process.env.CI === 'true';

export const COMMAND_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------
// Finding the binaries

export interface KubectlBinary {
  /** Short id for titles: "kubectl (image)", "kubectl 1.20". */
  title: string;
  path?: string;
  /** Set when the suite may skip (never under CI). */
  skipReason?: string;
  /** Set when the suite must fail instead of skipping (CI). */
  error?: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

function locate(title: string, env: string, skipEnv: string, find: () => string | undefined, hint: string): KubectlBinary {
  let why: string | undefined;
  let path: string | undefined;
  const explicit = process.env[env];
  if (process.env[skipEnv]) {
    why = process.env[skipEnv];
  } else if (explicit) {
    if (executable(explicit)) path = explicit;
    else why = `${env}=${explicit} is not an executable file`;
  } else {
    path = find();
    if (!path) why = `${title} not found (${hint})`;
  }
  if (path) return { title, path };
  if (inCI) return { title, error: `${title} is missing and CI=true, so its e2e suite cannot be skipped: ${why}` };
  return { title, skipReason: why };
}

/** The image's kubectl (the dispatcher on PATH). */
export function imageKubectl(): KubectlBinary {
  return locate(
    'kubectl (image)',
    'GITPLANE_KUBECTL',
    'GITPLANE_SKIP_KUBECTL',
    () => onPath('kubectl') ?? (executable('/usr/bin/kubectl') ? '/usr/bin/kubectl' : undefined),
    'it comes with the image (google-cloud-cli)',
  );
}

/** Debian's kubectl 1.20, extracted by scripts/test.mjs. */
export function kubectl120(): KubectlBinary {
  const cached = join(ROOT, '.cache', 'kubectl', 'usr', 'bin', 'kubectl');
  return locate(
    'kubectl 1.20',
    'GITPLANE_KUBECTL_120',
    'GITPLANE_SKIP_KUBECTL_120',
    () => (executable(cached) ? cached : undefined),
    'run `npm test` / node scripts/test.mjs, which extracts Debian kubernetes-client into .cache/kubectl',
  );
}

// ---------------------------------------------------------------------------
// Running

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** A long-running kubectl (e.g. `get -w`): read its output while it runs. */
export interface Background {
  pid: number;
  command: string;
  stdout(): string;
  stderr(): string;
  /** Kill it (by PID) and wait for it to exit. */
  stop(): Promise<RunResult>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // detached: the child leads its own process group, whose id is its PID.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of running) killGroup(c);
  });
}

function quote(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export class Kubectl {
  private n = 0;
  private readonly mine = new Set<ChildProcess>();

  /** `workDir` is removed by the caller; everything kubectl writes stays inside it. */
  constructor(
    readonly bin: string,
    readonly kubeconfig: string,
    readonly workDir: string,
  ) {
    mkdirSync(join(workDir, 'home'), { recursive: true });
    mkdirSync(join(workDir, 'tmp'), { recursive: true });
    installExitHook();
  }

  env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: join(this.workDir, 'home'),
      KUBECONFIG: this.kubeconfig,
      TMPDIR: join(this.workDir, 'tmp'),
      LANG: 'C.UTF-8',
    };
  }

  private spawn(args: string[]): { child: ChildProcess; command: string; full: string[] } {
    const cacheDir = mkdtempSync(join(this.workDir, `cache-${++this.n}-`));
    const full = ['--cache-dir', cacheDir, ...args];
    const child = spawn(this.bin, full, {
      env: this.env(),
      cwd: this.workDir,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    this.mine.add(child);
    child.on('close', () => this.mine.delete(child));
    return { child, command: `kubectl ${quote(args)}`, full };
  }

  private collect(child: ChildProcess, command: string, started: number, timeoutMs: number) {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    const done = new Promise<RunResult>((res) => {
      let spawnError: Error | undefined;
      child.on('error', (err) => {
        spawnError = err;
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        running.delete(child);
        if (spawnError) stderr += `\n[spawn error] ${spawnError.message}`;
        res({ command, code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
      });
    });
    return { done, stdout: () => stdout, stderr: () => stderr };
  }

  /** Run to completion (killed after `timeoutMs`). */
  run(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    const started = Date.now();
    const { child, command } = this.spawn(args);
    const c = this.collect(child, command, started, opts.timeoutMs ?? COMMAND_TIMEOUT_MS);
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.stdin ?? '');
    return c.done;
  }

  /** Start and leave running; stop() kills it by PID. Killed anyway after `timeoutMs`. */
  start(args: string[], opts: { timeoutMs?: number } = {}): Background {
    const started = Date.now();
    const { child, command } = this.spawn(args);
    const c = this.collect(child, command, started, opts.timeoutMs ?? COMMAND_TIMEOUT_MS);
    child.stdin!.on('error', () => {});
    child.stdin!.end();
    return {
      pid: child.pid ?? -1,
      command,
      stdout: c.stdout,
      stderr: c.stderr,
      async stop() {
        killGroup(child);
        return c.done;
      },
    };
  }

  /** Kill (by PID) whatever this runner still has running. */
  killAll(): void {
    for (const c of this.mine) killGroup(c);
  }
}

export function makeWorkDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gitplane-e2e-${prefix}-`));
}

export function removeWorkDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Checking results with messages that show the whole exchange

export interface Expect {
  /** Exit code; "nonzero" for any failure exit. */
  code?: number | 'nonzero';
  stdout?: (RegExp | string)[];
  stderr?: (RegExp | string)[];
  /** stdout + stderr. */
  output?: (RegExp | string)[];
  notStdout?: (RegExp | string)[];
}

export function describeRun(r: RunResult): string {
  return [
    `$ ${r.command}`,
    `exit code: ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}${r.timedOut ? ' (TIMED OUT, killed)' : ''} after ${r.ms} ms`,
    `--- stdout ---`,
    r.stdout.trimEnd(),
    `--- stderr ---`,
    r.stderr.trimEnd(),
  ].join('\n');
}

function matches(text: string, p: RegExp | string): boolean {
  return typeof p === 'string' ? text.includes(p) : p.test(text);
}

/** Throws one error listing every unmet expectation, with the command's output. */
export function check(r: RunResult, e: Expect): RunResult {
  const problems: string[] = [];
  if (r.timedOut) problems.push('the command timed out');
  if (e.code === 'nonzero') {
    if (r.code === 0 || r.code === null) problems.push(`expected a non-zero exit code, got ${r.code}`);
  } else if (e.code !== undefined && r.code !== e.code) {
    problems.push(`expected exit code ${e.code}, got ${r.code}`);
  }
  for (const p of e.stdout ?? []) if (!matches(r.stdout, p)) problems.push(`stdout does not match ${String(p)}`);
  for (const p of e.stderr ?? []) if (!matches(r.stderr, p)) problems.push(`stderr does not match ${String(p)}`);
  for (const p of e.output ?? []) if (!matches(r.stdout + r.stderr, p)) problems.push(`output does not match ${String(p)}`);
  for (const p of e.notStdout ?? []) if (matches(r.stdout, p)) problems.push(`stdout unexpectedly matches ${String(p)}`);
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n\n${describeRun(r)}`);
  return r;
}

/** Parse stdout as JSON, failing with the whole exchange when it is not. */
export function json(r: RunResult): any {
  check(r, { code: 0 });
  try {
    return JSON.parse(r.stdout);
  } catch (err) {
    throw new Error(`stdout is not JSON (${(err as Error).message})\n\n${describeRun(r)}`);
  }
}

// ---------------------------------------------------------------------------
// Polling with a deadline (never a fixed sleep)

export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; state?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  const interval = opts.intervalMs ?? 50;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${opts.timeoutMs ?? 15_000} ms waiting for ${what}${opts.state ? `\n${opts.state()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
