// Container log lines in the CRI format, as the kubelet (and `kubectl logs`)
// expects them on disk:
//
//   <RFC3339Nano timestamp> <stream> <tag> <content>\n
//   2026-01-01T00:00:00.123456789Z stdout F hello world
//
// - the timestamp is UTC with exactly nine fractional digits (parsers must
//   also accept fewer, as Go's RFC3339Nano trims trailing zeros);
// - stream is "stdout" or "stderr";
// - tag "F" marks a full line (the container wrote the newline), "P" a
//   partial one: a line longer than MAX_LINE bytes is split into P chunks
//   followed by a final F chunk, and an unterminated tail still pending when
//   the stream ends is written as F;
// - content is the raw bytes without the trailing "\n".

import { appendFileSync } from 'node:fs';

export type LogStream = 'stdout' | 'stderr';

/** Longest content of one log line before it is split into partial ("P") lines (containerd's default). */
export const MAX_LINE = 16 * 1024;

const epochNsAtStart = BigInt(Date.now()) * 1_000_000n;
const hrAtStart = process.hrtime.bigint();

/** Wall-clock now in nanoseconds since the epoch (ms-accurate base, ns-resolution steps). */
export function nowNs(): bigint {
  return epochNsAtStart + (process.hrtime.bigint() - hrAtStart);
}

/** RFC3339 with nine fractional digits, UTC: 2026-01-01T00:00:00.123456789Z. */
export function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Parses one CRI log line (for tests and readers); undefined when it is not one. */
export function parseCriLine(line: string): { time: string; stream: LogStream; partial: boolean; content: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
  if (!m) return undefined;
  return { time: m[1], stream: m[2] as LogStream, partial: m[3] === 'P', content: m[4] };
}

/**
 * Turns a container's output chunks into CRI log lines. Pure apart from the
 * clock: `sink` receives the formatted bytes.
 */
export class CriLogFormatter {
  private readonly pending: Record<LogStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };

  constructor(
    private readonly sink: (data: Buffer) => void,
    private readonly clock: () => bigint = nowNs,
    private readonly maxLine = MAX_LINE,
  ) {}

  write(stream: LogStream, chunk: Buffer): void {
    let buf = this.pending[stream].length > 0 ? Buffer.concat([this.pending[stream], chunk]) : chunk;
    const out: Buffer[] = [];
    const ts = rfc3339Nano(this.clock());
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0 || nl > this.maxLine) {
        if (buf.length >= this.maxLine) {
          out.push(line(ts, stream, 'P', buf.subarray(0, this.maxLine)));
          buf = buf.subarray(this.maxLine);
          continue;
        }
        break;
      }
      out.push(line(ts, stream, 'F', buf.subarray(0, nl)));
      buf = buf.subarray(nl + 1);
    }
    this.pending[stream] = Buffer.from(buf);
    if (out.length > 0) this.sink(Buffer.concat(out));
  }

  /** Writes what is left of unterminated lines (as full lines): the stream ended. */
  flush(): void {
    const out: Buffer[] = [];
    const ts = rfc3339Nano(this.clock());
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream].length > 0) out.push(line(ts, stream, 'F', this.pending[stream]));
      this.pending[stream] = Buffer.alloc(0);
    }
    if (out.length > 0) this.sink(Buffer.concat(out));
  }
}

function line(ts: string, stream: LogStream, tag: 'P' | 'F', content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${ts} ${stream} ${tag} `), content, Buffer.from('\n')]);
}

/**
 * A sink appending to a file, opening it for every write so that the agent
 * may rotate (rename) the log file at any time.
 */
export function appendSink(path: string): (data: Buffer) => void {
  return (data) => {
    try {
      appendFileSync(path, data);
    } catch {
      // The log directory went away (pod being removed): drop the output.
    }
  };
}
