// A minimal tar reader: enough to list the members of an archive (ustar,
// GNU long names/links, pax path/linkpath records) and read small members —
// the image store uses it to find whiteouts in layers and to read
// manifest/config files. Extraction itself is left to the system `tar`.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'directory' | 'fifo' | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  linkname: string;
}

const BLOCK = 512;

function cstr(buf: Buffer, start: number, len: number): string {
  const b = buf.subarray(start, start + len);
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, len: number): number {
  const b = buf.subarray(start, start + len);
  if (b[0] & 0x80) {
    // base-256 (GNU) for big values
    let v = 0;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i];
    return v;
  }
  const s = cstr(buf, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Validates a header's checksum (the sum of its bytes with the checksum field as spaces). */
export function checksumOk(block: Buffer): boolean {
  const stored = octal(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum === stored;
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'chardev';
    case '4':
      return 'blockdev';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

export interface RawHeader {
  name: string;
  linkname: string;
  size: number;
  mode: number;
  typeflag: string;
}

/** Parses one 512-byte header block; undefined for an all-zero (end) block. Throws on a bad checksum. */
export function parseHeader(block: Buffer): RawHeader | undefined {
  if (block.length < BLOCK) throw new Error('short tar header');
  if (block.every((b) => b === 0)) return undefined;
  if (!checksumOk(block)) throw new Error('tar header checksum mismatch');
  let name = cstr(block, 0, 100);
  const magic = cstr(block, 257, 6);
  if (magic.startsWith('ustar')) {
    const prefix = cstr(block, 345, 155);
    if (prefix && magic === 'ustar') name = `${prefix}/${name}`;
  }
  return {
    name,
    linkname: cstr(block, 157, 100),
    size: octal(block, 124, 12),
    mode: octal(block, 100, 8),
    typeflag: String.fromCharCode(block[156] || 0x30),
  };
}

/** Parses pax extended header records ("<len> key=value\n"). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.subarray(pos, sp).toString('ascii'), 10);
    if (!len || len <= 0) break;
    const rec = data.subarray(sp + 1, pos + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

/**
 * An incremental tar parser: push() chunks in order; onEntry is called for
 * every member with (when wanted) its data. Metadata members (pax, GNU long
 * names) are folded into the entry that follows.
 */
export class TarParser {
  private buf: Buffer = Buffer.alloc(0);
  private pendingHeader?: RawHeader;
  private remaining = 0; // bytes of data (plus padding) still to read for the current member
  private data: Buffer[] = [];
  private wantData = false;
  private dataSize = 0;
  private longName?: string;
  private longLink?: string;
  private pax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  ended = false;

  constructor(
    private readonly onEntry: (entry: TarEntry, data?: Buffer) => void,
    private readonly wantEntryData: (name: string, size: number) => boolean = () => false,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    while (!this.ended) {
      if (this.pendingHeader) {
        const take = Math.min(this.remaining, this.buf.length - pos);
        if (take <= 0) break;
        if (this.wantData) {
          const already = this.data.reduce((n, b) => n + b.length, 0);
          const useful = Math.max(0, Math.min(take, this.dataSize - already));
          if (useful > 0) this.data.push(Buffer.from(this.buf.subarray(pos, pos + useful)));
        }
        pos += take;
        this.remaining -= take;
        if (this.remaining === 0) this.finishMember();
        continue;
      }
      if (this.buf.length - pos < BLOCK) break;
      const header = parseHeader(this.buf.subarray(pos, pos + BLOCK));
      pos += BLOCK;
      if (!header) {
        this.ended = true;
        break;
      }
      this.startMember(header);
    }
    this.buf = this.buf.subarray(pos);
  }

  private startMember(h: RawHeader): void {
    const meta = h.typeflag === 'x' || h.typeflag === 'g' || h.typeflag === 'L' || h.typeflag === 'K';
    this.pendingHeader = h;
    this.dataSize = h.size;
    this.remaining = Math.ceil(h.size / BLOCK) * BLOCK;
    this.data = [];
    const name = this.resolvedName(h);
    this.wantData = meta || (typeOf(h.typeflag) === 'file' && this.wantEntryData(name, h.size));
    if (this.remaining === 0) this.finishMember();
  }

  private resolvedName(h: RawHeader): string {
    return this.pax.path ?? this.longName ?? this.globalPax.path ?? h.name;
  }

  private finishMember(): void {
    const h = this.pendingHeader!;
    this.pendingHeader = undefined;
    const data = this.wantData ? Buffer.concat(this.data) : undefined;
    this.data = [];
    switch (h.typeflag) {
      case 'x':
        this.pax = { ...this.pax, ...parsePax(data!) };
        return;
      case 'g':
        this.globalPax = { ...this.globalPax, ...parsePax(data!) };
        return;
      case 'L':
        this.longName = cstr(data!, 0, data!.length);
        return;
      case 'K':
        this.longLink = cstr(data!, 0, data!.length);
        return;
    }
    const entry: TarEntry = {
      name: this.resolvedName(h),
      type: typeOf(h.typeflag),
      size: this.pax.size ? Number(this.pax.size) : h.size,
      mode: h.mode,
      linkname: this.pax.linkpath ?? this.longLink ?? h.linkname,
    };
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    this.onEntry(entry, data);
  }
}

/** Is this a gzip stream (by its magic)? */
export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

/**
 * Lists an archive's members (gzip-compressed or not), reading the data of
 * the members `want` asks for.
 */
export async function readTar(path: string, want: (name: string, size: number) => boolean = () => false): Promise<Array<{ entry: TarEntry; data?: Buffer }>> {
  const out: Array<{ entry: TarEntry; data?: Buffer }> = [];
  const parser = new TarParser((entry, data) => out.push({ entry, data }), want);
  const gz = await isGzip(path);
  await new Promise<void>((resolve, reject) => {
    const src = createReadStream(path);
    const stream = gz ? src.pipe(createGunzip()) : src;
    src.on('error', reject);
    stream.on('error', reject);
    stream.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        src.destroy();
        reject(err);
      }
    });
    stream.on('end', () => resolve());
  });
  return out;
}

/** Normalizes a member name: no leading "./" or "/", no trailing "/". */
export function cleanName(name: string): string {
  let n = name.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (n === '.') n = '';
  return n;
}
