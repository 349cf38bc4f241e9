// WAL entries: what one acknowledged change looks like on disk. Writes are
// logged resolved (the keys a deleteRange removed, the values an ignoreValue
// put kept), so replay never re-evaluates a compare and always rebuilds the
// exact state that was acknowledged.

import { Decoder, Encoder } from './codec.js';
import type { Write } from './mvcc.js';

export type WalEntry =
  | { type: 'txn'; rev: number; writes: Write[] }
  | { type: 'compact'; rev: number }
  | { type: 'leaseGrant'; id: string; ttl: number; expiresAt: number }
  | { type: 'leaseRevoke'; id: string }
  | { type: 'leaseKeepAlive'; id: string; expiresAt: number };

const TYPE = { txn: 1, compact: 2, leaseGrant: 3, leaseRevoke: 4, leaseKeepAlive: 5 } as const;
const PUT = 1;
const DEL = 2;

const scratch = new Encoder(64 * 1024);

/** Encode entries into one payload, copied out of the shared scratch buffer. */
export function encodeEntries(entries: WalEntry[]): Buffer {
  scratch.reset();
  for (const e of entries) encodeEntry(scratch, e);
  return Buffer.from(scratch.finish());
}

export function encodeEntry(enc: Encoder, e: WalEntry): void {
  enc.u8(TYPE[e.type]);
  switch (e.type) {
    case 'txn':
      enc.uvarint(e.rev).uvarint(e.writes.length);
      for (const w of e.writes) {
        if (w.op === 'put') enc.u8(PUT).str(w.key).str(w.value).str(w.lease);
        else enc.u8(DEL).str(w.key);
      }
      break;
    case 'compact':
      enc.uvarint(e.rev);
      break;
    case 'leaseGrant':
      enc.str(e.id).uvarint(e.ttl).f64(e.expiresAt);
      break;
    case 'leaseRevoke':
      enc.str(e.id);
      break;
    case 'leaseKeepAlive':
      enc.str(e.id).f64(e.expiresAt);
      break;
  }
}

export function decodeEntries(payload: Buffer): WalEntry[] {
  const dec = new Decoder(payload);
  const out: WalEntry[] = [];
  while (!dec.done) {
    const type = dec.u8();
    switch (type) {
      case TYPE.txn: {
        const rev = dec.uvarint();
        const n = dec.uvarint();
        const writes: Write[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const op = dec.u8();
          if (op === PUT) writes[i] = { op: 'put', key: dec.str(), value: dec.str(), lease: dec.str() };
          else if (op === DEL) writes[i] = { op: 'del', key: dec.str() };
          else throw new Error(`unknown write op ${op}`);
        }
        out.push({ type: 'txn', rev, writes });
        break;
      }
      case TYPE.compact:
        out.push({ type: 'compact', rev: dec.uvarint() });
        break;
      case TYPE.leaseGrant:
        out.push({ type: 'leaseGrant', id: dec.str(), ttl: dec.uvarint(), expiresAt: dec.f64() });
        break;
      case TYPE.leaseRevoke:
        out.push({ type: 'leaseRevoke', id: dec.str() });
        break;
      case TYPE.leaseKeepAlive:
        out.push({ type: 'leaseKeepAlive', id: dec.str(), expiresAt: dec.f64() });
        break;
      default:
        throw new Error(`unknown WAL entry type ${type} at byte ${dec.pos - 1}`);
    }
  }
  return out;
}
