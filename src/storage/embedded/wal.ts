// The write-ahead log: numbered segment files of checksummed frames, one
// frame per group commit. Writers append payloads; one flusher at a time
// writes everything pending as a single frame and fsyncs it, and only then
// are those writers acknowledged, so concurrent writers share one fsync.
//
// Frame: [magic u32][length u32][crc32 u32 of payload][payload]. On open, a
// bad frame with no valid frame after it is a torn tail (the last write was
// cut short by a crash; it was never acknowledged): it is truncated and
// reported. A bad frame followed by valid ones is corruption of acknowledged
// data: opening fails and the files are left as they are.

import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { ErrCorrupt, ErrUnavailable } from '../errors.js';

export const FRAME_MAGIC = 0x31575047; // "GPW1" little-endian
const HEADER = 12;
const SEGMENT_EXT = '.wal';

export interface WalRecovery {
  /** Frame payloads of every segment after `afterSeq`, in order. */
  payloads: Buffer[];
  /** Bytes cut from a torn tail (0 when clean). */
  truncatedBytes: number;
  /** Human-readable note about the truncation, if any. */
  message?: string;
  /** The segment new frames go to. */
  activeSeq: number;
  /** Bytes of frames replayed. */
  bytes: number;
}

export interface WalOptions {
  /** fsync each frame before acknowledging it (default true). */
  fsync?: boolean;
}

export function segmentName(seq: number): string {
  return seq.toString(16).padStart(16, '0') + SEGMENT_EXT;
}

export function listSegments(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SEGMENT_EXT) && /^[0-9a-f]{16}\.wal$/.test(f))
    .map((f) => parseInt(f.slice(0, 16), 16))
    .sort((a, b) => a - b);
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

interface ScanResult {
  payloads: Buffer[];
  /** Offset after the last good frame. */
  goodEnd: number;
  /** Where the first bad frame starts, if any. */
  badAt?: number;
  /** Offset of a valid frame after the bad one: corruption, not a torn tail. */
  validAfter?: number;
}

function frameAt(buf: Buffer, at: number): Buffer | undefined {
  if (at + HEADER > buf.length) return undefined;
  if (buf.readUInt32LE(at) !== FRAME_MAGIC) return undefined;
  const len = buf.readUInt32LE(at + 4);
  if (at + HEADER + len > buf.length) return undefined;
  const payload = buf.subarray(at + HEADER, at + HEADER + len);
  if (crc32(payload) !== buf.readUInt32LE(at + 8)) return undefined;
  return payload;
}

export function scanFrames(buf: Buffer): ScanResult {
  const payloads: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    const payload = frameAt(buf, at);
    if (!payload) break;
    payloads.push(payload);
    at += HEADER + payload.length;
  }
  if (at >= buf.length) return { payloads, goodEnd: at };
  // A bad frame. Is anything valid written after it?
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(FRAME_MAGIC);
  for (let q = buf.indexOf(magic, at + 1); q !== -1; q = buf.indexOf(magic, q + 1)) {
    if (frameAt(buf, q)) return { payloads, goodEnd: at, badAt: at, validAfter: q };
  }
  return { payloads, goodEnd: at, badAt: at };
}

/** Read every segment with seq > afterSeq, repairing a torn tail. */
export function recoverWal(dir: string, afterSeq: number): WalRecovery {
  fs.mkdirSync(dir, { recursive: true });
  const seqs = listSegments(dir).filter((s) => s > afterSeq);
  const scans = seqs.map((seq) => {
    const file = path.join(dir, segmentName(seq));
    return { seq, file, scan: scanFrames(fs.readFileSync(file)) };
  });
  // Corruption with valid frames after it, anywhere, is never a torn tail.
  for (const { file, scan } of scans) {
    if (scan.validAfter !== undefined) {
      throw new ErrCorrupt(
        file,
        scan.badAt!,
        `frame fails its checksum, but valid frames follow at byte ${scan.validAfter}; ` +
          'refusing to start rather than drop acknowledged writes (restore the data dir from a snapshot or backup)',
      );
    }
  }
  // A torn tail may only sit in the last segment that holds frames; every
  // later segment must be empty (it was created but never written).
  let lastWithData = -1;
  scans.forEach((s, i) => {
    if (s.scan.payloads.length > 0 || s.scan.badAt !== undefined) lastWithData = i;
  });
  let truncatedBytes = 0;
  let message: string | undefined;
  scans.forEach((s, i) => {
    if (s.scan.badAt === undefined) return;
    const size = fs.statSync(s.file).size;
    const cut = size - s.scan.badAt;
    const laterFrames = scans.slice(i + 1).some((t) => t.scan.payloads.length > 0);
    if (i !== lastWithData || laterFrames) {
      throw new ErrCorrupt(
        s.file,
        s.scan.badAt,
        'frame fails its checksum and later segments hold data; refusing to start rather than drop acknowledged writes',
      );
    }
    const zeros = isAllZero(fs.readFileSync(s.file).subarray(s.scan.badAt));
    fs.truncateSync(s.file, s.scan.badAt);
    const fd = fs.openSync(s.file, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    truncatedBytes += cut;
    message =
      `WAL ${path.basename(s.file)}: truncated a torn tail of ${cut} bytes at byte ${s.scan.badAt}` +
      (zeros ? ' (zero-filled)' : '') +
      ' — an unacknowledged write cut short by a crash';
  });
  const payloads = scans.flatMap((s) => s.scan.payloads);
  const bytes = scans.reduce((n, s) => n + s.scan.goodEnd, 0);
  const activeSeq = seqs.length > 0 ? seqs[seqs.length - 1] : afterSeq + 1;
  return { payloads, truncatedBytes, message, activeSeq, bytes };
}

function isAllZero(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0) return false;
  return true;
}

interface Pending {
  payloads: Buffer[];
  bytes: number;
  waiters: Array<{ resolve: () => void; reject: (e: Error) => void }>;
}

/** The appending side of the log. */
export class WalWriter {
  private fd: number;
  private seq: number;
  private offset: number;
  private pending: Pending = { payloads: [], bytes: 0, waiters: [] };
  private flushing: Promise<void> | undefined;
  private failed: Error | undefined;
  private closed = false;
  /** Bytes appended since the writer opened or the last rotation. */
  bytesSinceRotate = 0;
  private readonly fsync: boolean;

  constructor(
    private readonly dir: string,
    seq: number,
    opts: WalOptions = {},
  ) {
    this.fsync = opts.fsync ?? true;
    this.seq = seq;
    const file = path.join(dir, segmentName(seq));
    const existed = fs.existsSync(file);
    this.fd = fs.openSync(file, 'a');
    this.offset = fs.fstatSync(this.fd).size;
    if (!existed) fsyncDir(dir);
  }

  get activeSeq(): number {
    return this.seq;
  }

  /** Queue a payload; resolves once it is durable. Payloads of one call are atomic. */
  append(payload: Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new ErrUnavailable('WAL is closed'));
    return new Promise((resolve, reject) => {
      this.pending.payloads.push(payload);
      this.pending.bytes += payload.length;
      this.pending.waiters.push({ resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let writers of the same tick join the first frame.
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.payloads.length > 0) {
      const batch = this.pending;
      this.pending = { payloads: [], bytes: 0, waiters: [] };
      try {
        await this.writeFrame(batch.payloads, batch.bytes);
        for (const w of batch.waiters) w.resolve();
      } catch (err) {
        this.failed = new ErrUnavailable(`WAL write failed: ${(err as Error).message}; the store must be restarted`);
        for (const w of [...batch.waiters, ...this.pending.waiters]) w.reject(this.failed);
        this.pending = { payloads: [], bytes: 0, waiters: [] };
      }
    }
    this.flushing = undefined;
  }

  private async writeFrame(payloads: Buffer[], bytes: number): Promise<void> {
    const frame = Buffer.allocUnsafe(HEADER + bytes);
    let at = HEADER;
    let crc = 0;
    for (const p of payloads) {
      p.copy(frame, at);
      at += p.length;
      crc = crc32(p, crc);
    }
    frame.writeUInt32LE(FRAME_MAGIC, 0);
    frame.writeUInt32LE(bytes, 4);
    frame.writeUInt32LE(crc, 8);
    const fd = this.fd;
    await writeAll(fd, frame, this.offset);
    if (this.fsync) await fdatasync(fd);
    this.offset += frame.length;
    this.bytesSinceRotate += frame.length;
  }

  /** Wait until everything appended so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * Start a new segment. Frames appended before this call land in the old
   * one. `atSwitch` runs synchronously at the moment of the switch, when
   * everything appended so far is durable in the old segment and nothing is
   * in the new one; returns the old segment's number.
   */
  async rotate(atSwitch?: (closedSeq: number) => void): Promise<number> {
    // Re-check after each wait: a writer may append while we resume.
    while (this.flushing) await this.flushing;
    if (this.failed) throw this.failed;
    const old = this.seq;
    atSwitch?.(old);
    const oldFd = this.fd;
    this.seq = old + 1;
    this.fd = fs.openSync(path.join(this.dir, segmentName(this.seq)), 'a');
    this.offset = 0;
    this.bytesSinceRotate = 0;
    fsyncDir(this.dir);
    fs.closeSync(oldFd);
    return old;
  }

  /** Delete segments up to and including `seq` (covered by a snapshot). */
  removeUpTo(seq: number): void {
    for (const s of listSegments(this.dir)) {
      if (s <= seq && s !== this.seq) fs.rmSync(path.join(this.dir, segmentName(s)), { force: true });
    }
    fsyncDir(this.dir);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

function writeAll(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      fs.write(fd, buf, off, buf.length - off, position + off, (err, n) => {
        if (err) return reject(err);
        if (off + n < buf.length) return step(off + n);
        resolve();
      });
    };
    step(0);
  });
}

function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}
