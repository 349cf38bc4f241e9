import { describe, expect, it } from 'vitest';
import { encodeQuery, encodeResponse, FormatError, parseQuery, parseResponse, readName, RRType, type Response } from '../../../../src/node/dns/index.js';

const base = (over: Partial<Response> = {}): Response => ({
  id: 0x1234,
  opcode: 0,
  rd: true,
  aa: true,
  rcode: 0,
  questions: [{ name: 'web.default.svc.cluster.local', type: RRType.A, class: 1 }],
  answers: [],
  authority: [],
  additional: [],
  ...over,
});

describe('DNS wire format', () => {
  it('parses a query with EDNS', () => {
    const q = parseQuery(encodeQuery({ id: 7, name: 'a.b.c', type: RRType.SRV, edns: 1232 }));
    expect(q).toMatchObject({ id: 7, opcode: 0, rd: true, questions: [{ name: 'a.b.c', type: RRType.SRV, class: 1 }], edns: { udpSize: 1232 } });
  });

  it('rejects garbage with a FormatError carrying the id', () => {
    expect(() => parseQuery(Buffer.from([1, 2]))).toThrow(FormatError);
    const bad = Buffer.concat([encodeQuery({ id: 99, name: 'x', type: 1 }).subarray(0, 12), Buffer.from([0xc0, 0x0c])]);
    try {
      parseQuery(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).id).toBe(99);
    }
  });

  it('compresses repeated names with pointers and decodes them back', () => {
    const name = 'web.default.svc.cluster.local';
    const buf = encodeResponse(
      base({
        answers: [
          { name, ttl: 5, data: { type: 'A', address: '10.96.0.10' } },
          { name, ttl: 5, data: { type: 'A', address: '10.96.0.11' } },
        ],
        authority: [{ name: 'cluster.local', ttl: 5, data: { type: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } }],
      }),
    );
    // Header 12 + question (31 + 4) + two answers of 2 (pointer) + 10 + 4 = 32, + SOA of
    // 2 + 10 + mname (ns, dns, pointer: 9) + rname (hostmaster, pointer: 13) + 20 = 54.
    expect(buf.length).toBe(12 + 35 + 32 + 54);
    expect(buf[12 + 35]).toBe(0xc0); // the first answer's name is a pointer to the question
    const r = parseResponse(buf);
    expect(r.id).toBe(0x1234);
    expect(r.aa).toBe(true);
    expect(r.sections[0].map((a) => a.data)).toEqual(['10.96.0.10', '10.96.0.11']);
    expect(r.sections[0][1].name).toBe(name);
    expect(r.sections[1][0].data).toMatchObject({ mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', minimum: 5 });
    expect(readName(buf, 12).name).toBe(name);
  });

  it('writes SRV targets uncompressed', () => {
    const name = '_http._tcp.web.default.svc.cluster.local';
    const buf = encodeResponse(
      base({
        questions: [{ name, type: RRType.SRV, class: 1 }],
        answers: [{ name, ttl: 5, data: { type: 'SRV', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } }],
      }),
    );
    const r = parseResponse(buf);
    expect(r.sections[0][0].data).toEqual({ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' });
    expect(buf.includes(Buffer.from('\x03web\x07default\x03svc\x07cluster\x05local\x00', 'latin1'))).toBe(true);
  });

  it('truncates over the size limit and sets TC', () => {
    const answers = Array.from({ length: 60 }, (_, i) => ({ name: 'web.default.svc.cluster.local', ttl: 5, data: { type: 'A' as const, address: `10.0.0.${i}` } }));
    const full = encodeResponse(base({ answers }));
    expect(full.length).toBeGreaterThan(512);
    expect(parseResponse(full).tc).toBe(false);
    const cut = parseResponse(encodeResponse(base({ answers }), 512));
    expect(cut.tc).toBe(true);
    expect(cut.sections[0]).toEqual([]);
    expect(cut.questions).toHaveLength(1);
  });
});
