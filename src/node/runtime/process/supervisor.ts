// Supervised containers, shared by the process and runc runtimes.
//
// Each container runs under a tiny shell supervisor, started detached (its
// own session) so that it outlives the agent:
//
//   sh -c SUPERVISOR <exit file> <stdout fifo> <stderr fifo> <workdir> <n> <n cgroup.procs files> <argv…>
//
// The supervisor points its stdout/stderr at two FIFOs in the state dir
// (opened read-write, so a write never meets a FIFO without readers and never
// raises SIGPIPE, even while no agent is attached), then runs the container
// command in a subshell that joins the cgroups and execs `setsid <argv>` —
// the container gets its own session and process group (its pgid is the
// container process's pid), apart from the supervisor's — waits for it and
// writes its exit status ("$?", 128+n for signal n) to the exit file.
//
// The runtime reads the FIFOs and appends CRI log lines to the log file
// (see cri-log.ts). It records the supervisor's pid and start time (field 22
// of /proc/<pid>/stat) in <state dir>/<id>.json, so a runtime restarted on the
// same state dir adopts the containers still running (re-attaching the log
// readers: output written meanwhile waits in the FIFO, up to 64 KiB; if a
// container exits while no runtime is attached, its unread tail is lost) and
// reads the exit code of those that finished. Children of this runtime are
// noticed through their 'exit' event, adopted ones by polling every 200 ms.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsc, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as osc } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerState } from '../types.js';
import { appendSink, CriLogFormatter, type LogStream } from './cri-log.js';

export const SUPERVISOR_SCRIPT = [
  'e=$1; o=$2; r=$3; w=$4; n=$5; shift 5',
  'exec 1<>"$o" 2<>"$r" </dev/null',
  '(',
  '  while [ "$n" -gt 0 ]; do echo 0 > "$1" || { echo "gitplane: cannot join cgroup $1" >&2; exit 125; }; shift; n=$((n-1)); done',
  '  if [ -n "$w" ]; then cd "$w" || exit 126; fi',
  '  exec setsid "$@"',
  ')',
  'c=$?',
  'echo "$c" > "$e.tmp" && mv -f "$e.tmp" "$e" 2>/dev/null || echo "$c" > "$e"',
  'exit "$c"',
].join('\n');

/** Container ids become file names: keep them tame. */
export function checkId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,250}$/.test(id)) throw new Error(`invalid container id ${JSON.stringify(id)}`);
}

export interface SupervisorRecord<M> {
  version: 1;
  kind: string;
  id: string;
  /** The supervisor's pid and its start time (clock ticks since boot, /proc/<pid>/stat field 22). */
  pid: number;
  pidStart: string;
  startedAt: number;
  logPath: string;
  meta: M;
}

export interface RawExit {
  exitCode: number;
  signal?: string;
  finishedAt: number;
}

export interface Entry<M> {
  record: SupervisorRecord<M>;
  state: ContainerState;
  child?: ChildProcess;
  adopted: boolean;
  exited: Promise<void>;
  markExited: () => void;
  finalizing: boolean;
  logs?: { close(drain: boolean): void };
}

export interface StartSpec<M> {
  id: string;
  argv: string[];
  env: Record<string, string>;
  /** cd here before exec (in the supervisor's view of the filesystem). */
  workingDir?: string;
  logPath: string;
  cgroupProcs: string[];
  meta: M;
}

export interface SupervisorOptions<M> {
  stateDir: string;
  kind: string;
  pollMs?: number;
  /** Called once when a container has exited, before its state says so: decide the reason (OOM), clean up runtime state. */
  onExit: (entry: Entry<M>, exit: RawExit) => Promise<{ oomKilled: boolean }>;
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osc.signals).map(([name, n]) => [n as number, name]));

/** 128+n → the signal's name (the shell's convention). */
export function signalFromStatus(code: number): string | undefined {
  return code > 128 && code < 128 + 65 ? SIGNAL_NAMES.get(code - 128) : undefined;
}

export function signalNumber(name: string): number {
  return (osc.signals as Record<string, number>)[name] ?? 0;
}

/** /proc/<pid>/stat: state, ppid, pgrp and starttime, or undefined when there is no such process. */
export function procStat(pid: number): { state: string; ppid: number; pgrp: number; start: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), start: f[19] };
  } catch {
    return undefined;
  }
}

/** The children of a process (needs CONFIG_PROC_CHILDREN; falls back to scanning /proc). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const out: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      if (procStat(Number(name))?.ppid === pid) out.push(Number(name));
    }
    return out;
  }
}

export function mkfifo(paths: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mkfifo', ['-m', '600', ...paths], { timeout: 10_000 }, (err) => (err ? reject(err) : resolve()));
  });
}

export class SupervisedContainers<M> {
  private readonly entries = new Map<string, Entry<M>>();
  private readonly listeners: Array<(id: string) => void> = [];
  private poller?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: SupervisorOptions<M>) {
    mkdirSync(opts.stateDir, { recursive: true });
  }

  paths(id: string) {
    const d = this.opts.stateDir;
    return { record: join(d, `${id}.json`), exit: join(d, `${id}.exit`), out: join(d, `${id}.out`), err: join(d, `${id}.err`) };
  }

  /** Reads the state dir: containers started by an earlier runtime (of this kind). */
  adopt(): void {
    for (const name of readdirSync(this.opts.stateDir)) {
      if (!name.endsWith('.json')) continue;
      let rec: SupervisorRecord<M>;
      try {
        rec = JSON.parse(readFileSync(join(this.opts.stateDir, name), 'utf8')) as SupervisorRecord<M>;
      } catch {
        continue;
      }
      if (rec.version !== 1 || rec.kind !== this.opts.kind || this.entries.has(rec.id)) continue;
      const entry = this.newEntry(rec, true);
      this.entries.set(rec.id, entry);
      if (this.supervisorAlive(rec)) {
        entry.logs = this.attachLogs(this.paths(rec.id), rec.logPath);
      } else {
        void this.finalize(entry);
      }
    }
    this.ensurePoller();
  }

  private newEntry(record: SupervisorRecord<M>, adopted: boolean): Entry<M> {
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    return { record, adopted, exited, markExited, finalizing: false, state: { state: 'running', pid: record.pid, startedAt: record.startedAt } };
  }

  async start(spec: StartSpec<M>): Promise<Entry<M>> {
    checkId(spec.id);
    if (this.entries.has(spec.id)) throw new Error(`container ${spec.id} already exists`);
    const p = this.paths(spec.id);
    for (const f of [p.exit, p.out, p.err, `${p.exit}.tmp`]) rmSync(f, { force: true });
    mkdirSync(dirname(spec.logPath), { recursive: true });
    await mkfifo([p.out, p.err]);
    // Open our ends before the supervisor starts: a FIFO's buffered data is dropped when its
    // last opener closes it, which a quick container's supervisor would otherwise be.
    const logs = this.attachLogs(p, spec.logPath);
    const child = spawn(
      '/bin/sh',
      ['-c', SUPERVISOR_SCRIPT, 'gitplane-supervisor', p.exit, p.out, p.err, spec.workingDir ?? '', String(spec.cgroupProcs.length), ...spec.cgroupProcs, ...spec.argv],
      { detached: true, stdio: 'ignore', env: spec.env, cwd: '/' },
    );
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (spawnError || child.pid === undefined) {
      logs.close(false);
      rmSync(p.out, { force: true });
      rmSync(p.err, { force: true });
      throw spawnError ?? new Error('spawn failed');
    }
    const pid = child.pid;
    const record: SupervisorRecord<M> = {
      version: 1,
      kind: this.opts.kind,
      id: spec.id,
      pid,
      pidStart: procStat(pid)?.start ?? '',
      startedAt: Date.now(),
      logPath: spec.logPath,
      meta: spec.meta,
    };
    const entry = this.newEntry(record, false);
    entry.child = child;
    entry.logs = logs;
    this.entries.set(spec.id, entry);
    this.writeRecord(record);
    child.on('exit', (code, signal) => {
      void this.finalize(entry, code ?? undefined, signal ?? undefined);
    });
    child.unref();
    return entry;
  }

  writeRecord(record: SupervisorRecord<M>): void {
    const p = this.paths(record.id);
    writeFileSync(`${p.record}.tmp`, JSON.stringify(record));
    renameSync(`${p.record}.tmp`, p.record);
  }

  private attachLogs(p: { out: string; err: string }, logPath: string): { close(drain: boolean): void } {
    const fmt = new CriLogFormatter(appendSink(logPath));
    const streams: Array<{ fd: number; sock: Socket; stream: LogStream }> = [];
    for (const [path, stream] of [
      [p.out, 'stdout'],
      [p.err, 'stderr'],
    ] as const) {
      let fd: number;
      try {
        fd = openSync(path, fsc.O_RDWR | fsc.O_NONBLOCK);
      } catch {
        continue;
      }
      const sock = new Socket({ fd, readable: true, writable: false });
      sock.on('data', (d: Buffer) => fmt.write(stream, d));
      sock.on('error', () => undefined);
      streams.push({ fd, sock, stream });
    }
    let closed = false;
    return {
      close(drain: boolean) {
        if (closed) return;
        closed = true;
        if (drain) {
          const buf = Buffer.alloc(64 * 1024);
          for (const s of streams) {
            try {
              for (;;) {
                const n = readSync(s.fd, buf, 0, buf.length, null);
                if (n <= 0) break;
                fmt.write(s.stream, Buffer.from(buf.subarray(0, n)));
              }
            } catch {
              // EAGAIN: drained
            }
          }
          fmt.flush();
        }
        for (const s of streams) s.sock.destroy();
      },
    };
  }

  private supervisorAlive(rec: SupervisorRecord<M>): boolean {
    const st = procStat(rec.pid);
    return st !== undefined && st.state !== 'Z' && st.state !== 'X' && st.start === rec.pidStart;
  }

  private ensurePoller(): void {
    if (this.poller || this.closed) return;
    this.poller = setInterval(() => {
      for (const e of this.entries.values()) {
        if (e.adopted && e.state.state === 'running' && !e.finalizing && !this.supervisorAlive(e.record)) void this.finalize(e);
      }
    }, this.opts.pollMs ?? 200);
    this.poller.unref();
  }

  private readExitFile(id: string): RawExit | undefined {
    const p = this.paths(id).exit;
    try {
      const text = readFileSync(p, 'utf8').trim();
      if (!/^\d+$/.test(text)) return undefined;
      const code = Number(text);
      return { exitCode: code, signal: signalFromStatus(code), finishedAt: Math.round(statSync(p).mtimeMs) };
    } catch {
      return undefined;
    }
  }

  private async finalize(entry: Entry<M>, code?: number, signal?: string): Promise<void> {
    if (entry.finalizing || entry.state.state !== 'running') return;
    entry.finalizing = true;
    let raw = this.readExitFile(entry.record.id);
    if (!raw) {
      // The supervisor itself was killed (or the file is unreadable): what we know.
      if (signal) raw = { exitCode: 128 + signalNumber(signal), signal, finishedAt: Date.now() };
      else if (code !== undefined) raw = { exitCode: code, signal: signalFromStatus(code), finishedAt: Date.now() };
      else raw = { exitCode: 137, finishedAt: Date.now() };
    }
    entry.logs?.close(true);
    entry.logs = undefined;
    let oomKilled = false;
    try {
      ({ oomKilled } = await this.opts.onExit(entry, raw));
    } catch {
      // the reason stays Error
    }
    entry.state = {
      state: 'exited',
      exitCode: oomKilled ? 137 : raw.exitCode,
      ...(raw.signal ? { signal: raw.signal } : oomKilled ? { signal: 'SIGKILL' } : {}),
      reason: oomKilled ? 'OOMKilled' : raw.exitCode === 0 ? 'Completed' : 'Error',
      startedAt: entry.record.startedAt,
      finishedAt: raw.finishedAt,
    };
    entry.markExited();
    for (const l of this.listeners) {
      try {
        l(entry.record.id);
      } catch {
        // a listener's problem
      }
    }
  }

  get(id: string): Entry<M> | undefined {
    return this.entries.get(id);
  }

  status(id: string): ContainerState {
    return this.entries.get(id)?.state ?? { state: 'unknown' };
  }

  list(): string[] {
    return [...this.entries.keys()];
  }

  onChange(listener: (id: string) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves true once exited, false after timeoutMs. */
  async waitExit(id: string, timeoutMs: number): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e || e.state.state !== 'running') return true;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([e.exited.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), timeoutMs)))]);
    if (timer) clearTimeout(timer);
    return r;
  }

  /**
   * The container's top process: the supervisor's child (the session leader
   * made by setsid). Waits up to waitMs for it to be forked.
   */
  async containerPid(id: string, waitMs = 1000): Promise<number | undefined> {
    const e = this.entries.get(id);
    if (!e || e.state.state !== 'running') return undefined;
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (!this.supervisorAlive(e.record)) return undefined;
      for (const c of childPids(e.record.pid)) {
        const st = procStat(c);
        // After setsid, the child leads its own group; before it, it is still in the supervisor's.
        if (st && st.pgrp === c) return c;
      }
      if (Date.now() > deadline || e.state.state !== 'running') return undefined;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Signals the container's process group. False when there was nothing to signal. */
  async signalGroup(id: string, signal: NodeJS.Signals): Promise<boolean> {
    const pid = await this.containerPid(id);
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Kills the supervisor itself (last resort, e.g. removal of a container that will not die). */
  killSupervisor(id: string): void {
    const e = this.entries.get(id);
    if (!e || !this.supervisorAlive(e.record)) return;
    try {
      process.kill(e.record.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }

  /** Forgets the container and removes its state files (not its log). */
  forget(id: string): void {
    const e = this.entries.get(id);
    e?.logs?.close(false);
    this.entries.delete(id);
    const p = this.paths(id);
    for (const f of [p.record, p.exit, p.out, p.err, `${p.exit}.tmp`, `${p.record}.tmp`]) rmSync(f, { force: true });
  }

  /** Stops watching; containers keep running (a new runtime on the same state dir adopts them). */
  close(): void {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    for (const e of this.entries.values()) {
      e.logs?.close(false);
      e.logs = undefined;
      e.child?.removeAllListeners('exit');
    }
    this.entries.clear();
  }

  stateDirHas(id: string): boolean {
    return existsSync(this.paths(id).record);
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closed
  }
}
