// Container logs. The runtime writes a container's stdout and stderr, as they
// come, to a raw file per attempt; a collector tails it and stores CRI-style
// lines ("<RFC3339Nano> stdout F <text>") in <attempt>.log, rotated at
// logMaxBytes into <attempt>.log.1 (one rotation kept), so timestamps and
// sinceSeconds work and followers can subscribe to new lines. Lines a runtime
// already wrote in CRI form pass through unchanged.

import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../util/clock.js';

export interface LogPaths {
  raw: string;
  log: string;
  rotated: string;
  offset: string;
}

export function logPaths(podDir: string, container: string, attempt: number): LogPaths {
  const base = path.join(podDir, 'logs', container, String(attempt));
  return { raw: `${base}.raw`, log: `${base}.log`, rotated: `${base}.log.1`, offset: `${base}.offset` };
}

const CRI_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) ([FP]) (.*)$/;

/** RFC 3339 with nanoseconds, as CRI log lines carry. */
export function criTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** Lines longer than this are stored as partial (P) pieces, as CRI runtimes do. */
const MAX_LINE = 16 * 1024;

export class LogCollector {
  private offset: number;
  private partial = '';
  private logSize: number;
  private savedOffset = -1;
  private lastSave = 0;
  ended = false;
  private readonly listeners = new Set<(line: string) => void>();
  private readonly endListeners = new Set<() => void>();

  constructor(
    readonly paths: LogPaths,
    private readonly maxBytes: number,
    private readonly clock: Clock,
  ) {
    fs.mkdirSync(path.dirname(paths.log), { recursive: true });
    let offset = 0;
    try {
      offset = Number(JSON.parse(fs.readFileSync(paths.offset, 'utf8')).offset) || 0;
    } catch {
      offset = 0;
    }
    this.offset = offset;
    try {
      this.logSize = fs.statSync(paths.log).size;
    } catch {
      this.logSize = 0;
    }
  }

  /** Call `fn` with every CRI line stored from now on; returns an unsubscribe. */
  subscribe(fn: (line: string) => void, onEnd: () => void): () => void {
    this.listeners.add(fn);
    this.endListeners.add(onEnd);
    return () => {
      this.listeners.delete(fn);
      this.endListeners.delete(onEnd);
    };
  }

  /** Read what the runtime wrote since the last poll and store it. */
  poll(): void {
    if (this.ended) return;
    let fd: number;
    try {
      fd = fs.openSync(this.paths.raw, 'r+');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // truncated under us
      if (size > this.offset) {
        const buf = Buffer.alloc(size - this.offset);
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        this.offset += n;
        this.ingest(buf.subarray(0, n).toString('utf8').replace(/\0/g, ''));
        // Keep the raw file bounded: once consumed past the limit, start it over.
        if (this.offset > this.maxBytes && fs.fstatSync(fd).size === this.offset) {
          fs.ftruncateSync(fd, 0);
          this.offset = 0;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    const now = Date.now();
    if (this.offset !== this.savedOffset && now - this.lastSave > 2000) this.saveOffset();
  }

  private ingest(text: string): void {
    const data = this.partial + text;
    const pieces = data.split('\n');
    this.partial = pieces.pop() ?? '';
    const lines: string[] = [];
    for (const piece of pieces) lines.push(this.criLine(piece, 'F'));
    // Split an endless line, but only well past a CRI runtime's own longest line (16 KiB of
    // content plus its prefix), so lines a runtime already wrote in CRI form stay whole.
    while (this.partial.length > 4 * MAX_LINE) {
      lines.push(this.criLine(this.partial.slice(0, MAX_LINE), 'P'));
      this.partial = this.partial.slice(MAX_LINE);
    }
    this.store(lines);
  }

  private criLine(text: string, tag: 'F' | 'P'): string {
    const content = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (tag === 'F' && CRI_LINE.test(content)) return content;
    return `${criTime(this.clock.now())} stdout ${tag} ${content}`;
  }

  private store(lines: string[]): void {
    if (lines.length === 0) return;
    let chunk = '';
    const flush = (): void => {
      if (!chunk) return;
      fs.appendFileSync(this.paths.log, chunk);
      this.logSize += Buffer.byteLength(chunk);
      chunk = '';
    };
    for (const line of lines) {
      const entry = `${line}\n`;
      const len = Buffer.byteLength(entry);
      if (this.logSize + Buffer.byteLength(chunk) + len > this.maxBytes && this.logSize + Buffer.byteLength(chunk) > 0) {
        flush();
        fs.renameSync(this.paths.log, this.paths.rotated);
        this.logSize = 0;
      }
      chunk += entry;
    }
    flush();
    for (const line of lines) for (const fn of this.listeners) fn(line);
  }

  /** The container has exited: store the rest (a last line without newline too) and end followers. */
  finish(): void {
    if (this.ended) return;
    this.poll();
    if (this.partial) {
      const rest = this.partial;
      this.partial = '';
      this.store([this.criLine(rest, 'F')]);
    }
    this.ended = true;
    this.saveOffset();
    for (const fn of this.endListeners) fn();
    this.listeners.clear();
    this.endListeners.clear();
  }

  saveOffset(): void {
    try {
      fs.writeFileSync(this.paths.offset, JSON.stringify({ offset: this.offset }));
      this.savedOffset = this.offset;
      this.lastSave = Date.now();
    } catch {
      // the pod directory is gone
    }
  }
}

/** One collector per running container, polled together. */
export class LogManager {
  private readonly collectors = new Map<string, LogCollector>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly clock: Clock,
    private readonly pollMs = 100,
  ) {}

  collect(id: string, paths: LogPaths): LogCollector {
    let c = this.collectors.get(id);
    if (!c) {
      c = new LogCollector(paths, this.maxBytes, this.clock);
      this.collectors.set(id, c);
      if (!this.timer) {
        this.timer = setInterval(() => this.pollAll(), this.pollMs);
        this.timer.unref();
      }
    }
    return c;
  }

  get(id: string): LogCollector | undefined {
    return this.collectors.get(id);
  }

  finish(id: string): void {
    const c = this.collectors.get(id);
    if (!c) return;
    c.finish();
    this.collectors.delete(id);
  }

  pollAll(): void {
    for (const c of this.collectors.values()) {
      try {
        c.poll();
      } catch {
        // the pod directory went away; the worker finishes the collector
      }
    }
  }

  /** Stop polling; offsets are saved so a new agent resumes where this one stopped. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.collectors.values()) {
      try {
        c.poll();
      } catch {
        // ignore
      }
      c.saveOffset();
    }
    this.collectors.clear();
  }
}

// ---------------------------------------------------------------------------
// Reading.

export interface LogEntry {
  /** RFC 3339 (nanoseconds) as stored. */
  time: string;
  ms: number;
  content: string;
}

/** CRI lines → entries, joining partial (P) pieces with what follows. */
export function parseCriLines(lines: string[], into: { pending?: LogEntry } = {}): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of lines) {
    const m = CRI_LINE.exec(line);
    if (!m) continue;
    const [, time, , tag, content] = m;
    if (into.pending) {
      into.pending.content += content;
    } else {
      into.pending = { time, ms: Date.parse(time), content };
    }
    if (tag === 'F') {
      out.push(into.pending);
      into.pending = undefined;
    }
  }
  return out;
}

export function readLogLines(paths: LogPaths): string[] {
  const lines: string[] = [];
  for (const file of [paths.rotated, paths.log]) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) if (line) lines.push(line);
  }
  return lines;
}

export interface LogQuery {
  timestamps: boolean;
  /** Entries older than this (ms) are skipped. */
  sinceMs?: number;
  tailLines?: number;
  limitBytes?: number;
}

export function formatEntry(entry: LogEntry, timestamps: boolean): string {
  return `${timestamps ? `${entry.time} ` : ''}${entry.content}\n`;
}

/** The entries a query selects from what is stored (since, then tail). */
export function selectEntries(entries: LogEntry[], query: LogQuery): LogEntry[] {
  let selected = query.sinceMs !== undefined ? entries.filter((e) => e.ms >= query.sinceMs!) : entries;
  if (query.tailLines !== undefined && query.tailLines >= 0) selected = query.tailLines === 0 ? [] : selected.slice(-query.tailLines);
  return selected;
}
