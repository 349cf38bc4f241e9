// Child processes for the storage tests: TypeScript scripts run with
// `node --import tsx`, their stdout split into complete lines, and a registry
// so an afterEach can kill whatever is still alive by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './support.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export class Child {
  readonly proc: ChildProcess;
  /** Complete stdout lines (a line cut short by a kill is not included). */
  readonly lines: string[] = [];
  stderr = '';
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private partial = '';
  private readonly onLine: Array<(line: string) => void> = [];

  constructor(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    live.add(this);
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        for (const fn of this.onLine) fn(line);
      }
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
    });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Calls fn for every complete line from now on. */
  onEachLine(fn: (line: string) => void): void {
    this.onLine.push(fn);
  }

  /** Waits for a line matching `re` (already seen or still to come). */
  async waitForLine(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return waitFor(
      () => {
        for (const l of this.lines) {
          const m = l.match(re);
          if (m) return m;
        }
        if (this.exit) {
          throw new Error(
            `child exited (${this.exit.code ?? this.exit.signal}) without printing ${re}; ` +
              `stdout: ${this.lines.slice(-5).join(' | ')}; stderr: ${this.stderr.slice(-2000)}`,
          );
        }
        return undefined;
      },
      { timeoutMs, intervalMs: 10, message: `child line ${re}` },
    );
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exit) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const live = new Set<Child>();

/** Spawns `node --import tsx <script relative to this folder> ...args`. */
export function spawnScript(script: string, args: string[], env?: NodeJS.ProcessEnv): Child {
  return new Child(script, args, env);
}

/** SIGKILLs every child still alive and waits for them to exit. */
export async function killLiveChildren(): Promise<void> {
  const all = [...live];
  for (const c of all) c.kill('SIGKILL');
  await Promise.all(all.map((c) => c.exited));
}
