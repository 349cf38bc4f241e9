// The DNS wire format (RFC 1035, plus SRV from RFC 2782, AAAA from RFC 3596
// and the EDNS(0) OPT pseudo-record from RFC 6891): parse a query, encode a
// response. Names in answers are compressed with pointers to earlier
// occurrences (never inside SRV targets, which RFC 2782 forbids).

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  ANY: 255,
} as const;

export const RRClass = { IN: 1, ANY: 255 } as const;

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export const Opcode = { QUERY: 0 } as const;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export type RData =
  | { type: 'A'; address: string }
  | { type: 'AAAA'; address: string }
  | { type: 'CNAME'; target: string }
  | { type: 'PTR'; target: string }
  | { type: 'NS'; target: string }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };

export interface ResourceRecord {
  name: string;
  ttl: number;
  data: RData;
}

export interface Query {
  id: number;
  opcode: number;
  /** Recursion desired: echoed in the response. */
  rd: boolean;
  /** Checking disabled: echoed in the response. */
  cd: boolean;
  questions: Question[];
  /** Present when the query carried an OPT record: the largest UDP response the client accepts. */
  edns?: { udpSize: number };
}

export interface Response {
  id: number;
  opcode: number;
  rd: boolean;
  cd?: boolean;
  /** Authoritative answer. */
  aa: boolean;
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** Answer with an OPT record advertising this UDP payload size. */
  edns?: { udpSize: number };
}

export class FormatError extends Error {
  constructor(
    message: string,
    /** The query id when the header could be read (so a FORMERR can be sent). */
    readonly id?: number,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

const TYPE_CODES: Record<RData['type'], number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, AAAA: 28, SRV: 33 };

export function typeName(code: number): string {
  return Object.entries(RRType).find(([, v]) => v === code)?.[0] ?? `TYPE${code}`;
}

/** Read a (possibly compressed) name at `offset`; `next` is the offset after it in the original position. */
export function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  let jumps = 0;
  let length = 0;
  for (;;) {
    if (pos >= buf.length) throw new FormatError('name runs past the end of the message');
    const len = buf[pos];
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new FormatError('truncated compression pointer');
      if (next < 0) next = pos + 2;
      const target = ((len & 0x3f) << 8) | buf[pos + 1];
      if (++jumps > 64 || target >= buf.length) throw new FormatError('bad compression pointer');
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new FormatError('unsupported label type');
    pos++;
    if (len === 0) break;
    if (pos + len > buf.length) throw new FormatError('label runs past the end of the message');
    labels.push(buf.toString('latin1', pos, pos + len));
    length += len + 1;
    if (length > 255) throw new FormatError('name longer than 255 octets');
    pos += len;
  }
  return { name: labels.join('.'), next: next < 0 ? pos : next };
}

/** Parse a query: header, questions, and the OPT record if the additional section holds one. */
export function parseQuery(buf: Buffer): Query {
  if (buf.length < 12) throw new FormatError('message shorter than a header');
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  if (flags & 0x8000) throw new FormatError('not a query (QR set)', id);
  const query: Query = { id, opcode: (flags >> 11) & 0xf, rd: (flags & 0x0100) !== 0, cd: (flags & 0x0010) !== 0, questions: [] };
  let pos = 12;
  try {
    for (let i = 0; i < qd; i++) {
      const { name, next } = readName(buf, pos);
      if (next + 4 > buf.length) throw new FormatError('truncated question', id);
      query.questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
      pos = next + 4;
    }
    // Skip answer and authority records; look for OPT among the additional ones.
    for (let i = 0; i < an + ns + ar; i++) {
      const { next } = readName(buf, pos);
      if (next + 10 > buf.length) throw new FormatError('truncated record', id);
      const type = buf.readUInt16BE(next);
      const cls = buf.readUInt16BE(next + 2);
      const rdlength = buf.readUInt16BE(next + 8);
      if (i >= an + ns && type === RRType.OPT) query.edns = { udpSize: Math.max(512, cls) };
      pos = next + 10 + rdlength;
      if (pos > buf.length) throw new FormatError('record data runs past the end of the message', id);
    }
  } catch (err) {
    if (err instanceof FormatError && err.id === undefined) throw new FormatError(err.message, id);
    throw err;
  }
  return query;
}

/** A growing buffer with the name-compression table. */
class Writer {
  private buf = Buffer.alloc(512);
  length = 0;
  private readonly names = new Map<string, number>();

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }

  bytes(b: Buffer | number[]): void {
    this.ensure(b.length);
    for (let i = 0; i < b.length; i++) this.buf[this.length + i] = b[i];
    this.length += b.length;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  name(name: string, compress = true): void {
    const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.names.get(suffix);
      if (compress && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.length < 0x4000 && !this.names.has(suffix)) this.names.set(suffix, this.length);
      const label = Buffer.from(labels[i], 'latin1');
      if (label.length > 63) throw new Error(`label "${labels[i]}" is longer than 63 octets`);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function ipv4Bytes(address: string): number[] {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${address}`);
  return parts;
}

function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${address}`);
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [(n >> 8) & 255, n & 255];
  });
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(TYPE_CODES[rr.data.type]);
  w.u16(RRClass.IN);
  w.u32(rr.ttl);
  const lengthAt = w.length;
  w.u16(0);
  const start = w.length;
  const d = rr.data;
  switch (d.type) {
    case 'A':
      w.bytes(ipv4Bytes(d.address));
      break;
    case 'AAAA':
      w.bytes(ipv6Bytes(d.address));
      break;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      w.name(d.target);
      break;
    case 'SRV':
      w.u16(d.priority);
      w.u16(d.weight);
      w.u16(d.port);
      w.name(d.target, false);
      break;
    case 'SOA':
      w.name(d.mname);
      w.name(d.rname);
      w.u32(d.serial);
      w.u32(d.refresh);
      w.u32(d.retry);
      w.u32(d.expire);
      w.u32(d.minimum);
      break;
  }
  w.setU16(lengthAt, w.length - start);
}

/** Encode a response; with `maxSize` (UDP), one that does not fit loses its records and gets the TC bit. */
export function encodeResponse(res: Response, maxSize?: number): Buffer {
  const full = encode(res, false);
  if (maxSize === undefined || full.length <= maxSize) return full;
  return encode({ ...res, answers: [], authority: [], additional: [] }, true);
}

function encode(res: Response, tc: boolean): Buffer {
  const w = new Writer();
  w.u16(res.id);
  let flags = 0x8000 | ((res.opcode & 0xf) << 11) | (res.rcode & 0xf);
  if (res.aa) flags |= 0x0400;
  if (tc) flags |= 0x0200;
  if (res.rd) flags |= 0x0100;
  if (res.cd) flags |= 0x0010;
  w.u16(flags);
  w.u16(res.questions.length);
  w.u16(res.answers.length);
  w.u16(res.authority.length);
  w.u16(res.additional.length + (res.edns ? 1 : 0));
  for (const q of res.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of res.answers) writeRecord(w, rr);
  for (const rr of res.authority) writeRecord(w, rr);
  for (const rr of res.additional) writeRecord(w, rr);
  if (res.edns) {
    w.u8(0); // root name
    w.u16(RRType.OPT);
    w.u16(res.edns.udpSize);
    w.u32(0); // extended rcode, version 0, no flags
    w.u16(0);
  }
  return w.done();
}

/** Encode a query (tests and tools): one question, RD set, optional EDNS. */
export function encodeQuery(q: { id: number; name: string; type: number; edns?: number }): Buffer {
  const w = new Writer();
  w.u16(q.id);
  w.u16(0x0100);
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.u16(q.edns ? 1 : 0);
  w.name(q.name, false);
  w.u16(q.type);
  w.u16(RRClass.IN);
  if (q.edns) {
    w.u8(0);
    w.u16(RRType.OPT);
    w.u16(q.edns);
    w.u32(0);
    w.u16(0);
  }
  return w.done();
}

/** Decode a response (tests and tools): header bits and the records as raw type codes and rdata. */
export function parseResponse(buf: Buffer): {
  id: number;
  aa: boolean;
  tc: boolean;
  rcode: number;
  questions: Question[];
  sections: Array<Array<{ name: string; type: number; ttl: number; data: unknown }>>;
} {
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let pos = 12;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const { name, next } = readName(buf, pos);
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    pos = next + 4;
  }
  const sections: Array<Array<{ name: string; type: number; ttl: number; data: unknown }>> = [];
  for (const count of counts.slice(1)) {
    const records: Array<{ name: string; type: number; ttl: number; data: unknown }> = [];
    for (let i = 0; i < count; i++) {
      const { name, next } = readName(buf, pos);
      const type = buf.readUInt16BE(next);
      const ttl = buf.readUInt32BE(next + 4);
      const len = buf.readUInt16BE(next + 8);
      const start = next + 10;
      let data: unknown = buf.subarray(start, start + len);
      if (type === RRType.A) data = [...buf.subarray(start, start + 4)].join('.');
      else if (type === RRType.CNAME || type === RRType.PTR || type === RRType.NS) data = readName(buf, start).name;
      else if (type === RRType.SRV)
        data = { priority: buf.readUInt16BE(start), weight: buf.readUInt16BE(start + 2), port: buf.readUInt16BE(start + 4), target: readName(buf, start + 6).name };
      else if (type === RRType.SOA) {
        const m = readName(buf, start);
        const r = readName(buf, m.next);
        data = { mname: m.name, rname: r.name, minimum: buf.readUInt32BE(r.next + 16) };
      }
      records.push({ name, type, ttl, data });
      pos = start + len;
    }
    sections.push(records);
  }
  return { id, aa: (flags & 0x0400) !== 0, tc: (flags & 0x0200) !== 0, rcode: flags & 0xf, questions, sections };
}
