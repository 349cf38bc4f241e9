// Cluster DNS end to end: Services and Endpoints through the API, questions
// through node:dns (c-ares) over UDP, and raw queries over UDP and TCP.

import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Service } from '../../../src/api/generated/index.js';
import { encodeQuery, parseResponse, Rcode, RRType, startClusterDns, type ClusterDns } from '../../../src/node/dns/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

const service = (name: string, spec: Service['spec'], ns = 'default'): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });

function udpQuery(port: number, name: string, type: number, edns?: number): Promise<ReturnType<typeof parseResponse>> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no reply'));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(parseResponse(m));
    });
    s.send(encodeQuery({ id: 4242, name, type, ...(edns ? { edns } : {}) }), port, '127.0.0.1');
  });
}

/** Several queries on one TCP connection, answered in order. */
function tcpQueries(port: number, questions: Array<{ name: string; type: number }>): Promise<Array<ReturnType<typeof parseResponse>>> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const frames = questions.map((q, i) => {
      const msg = encodeQuery({ id: i + 1, ...q });
      const f = Buffer.alloc(2 + msg.length);
      f.writeUInt16BE(msg.length, 0);
      msg.copy(f, 2);
      return f;
    });
    // Written byte by byte at the start, to exercise reassembly.
    const all = Buffer.concat(frames);
    s.write(all.subarray(0, 1));
    s.write(all.subarray(1));
    let buf = Buffer.alloc(0);
    const out: Array<ReturnType<typeof parseResponse>> = [];
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(parseResponse(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === questions.length) {
        s.end();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
}

describe('cluster DNS', () => {
  let t: ControllerTest;
  let dns: ClusterDns;
  let resolver: Resolver;
  let webIP: string;
  const many = Array.from({ length: 60 }, (_, i) => `10.244.1.${i + 1}`);

  beforeAll(async () => {
    t = await startControllerTest();
    const svcs = t.client.services.namespace('default');
    webIP = (await svcs.create(service('web', { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] }))).spec!.clusterIP!;
    await svcs.create(service('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
    await svcs.create(service('big', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }));
    await svcs.create(service('ext', { type: 'ExternalName', externalName: 'example.org' }));
    const eps = t.client.endpoints.namespace('default');
    await eps.create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'db', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.244.0.5', hostname: 'db-0' }, { ip: '10.244.0.6', hostname: 'db-1' }], notReadyAddresses: [{ ip: '10.244.0.7' }], ports: [{ name: 'pg', port: 5432 }] }],
    } as Endpoints);
    await eps.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'big', namespace: 'default' }, subsets: [{ addresses: many.map((ip) => ({ ip })), ports: [{ name: 'http', port: 80 }] }] } as Endpoints);
    dns = await startClusterDns({ client: t.client, listen: { host: '127.0.0.1', port: 0 } });
    resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${dns.port}`]);
  });

  afterAll(async () => {
    await dns?.stop();
    await t?.close();
  });

  it('answers A for a ClusterIP service', async () => {
    expect(await resolver.resolve4('web.default.svc.cluster.local')).toEqual([webIP]);
  });

  it('answers AAAA with no data', async () => {
    await expect(resolver.resolve6('web.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('answers SRV for a named port', async () => {
    expect(await resolver.resolveSrv('_http._tcp.web.default.svc.cluster.local')).toEqual([{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
    expect(await resolver.resolveSrv('_pg._tcp.db.default.svc.cluster.local')).toEqual(
      expect.arrayContaining([
        { name: 'db-0.db.default.svc.cluster.local', port: 5432, priority: 0, weight: 100 },
        { name: 'db-1.db.default.svc.cluster.local', port: 5432, priority: 0, weight: 100 },
      ]),
    );
  });

  it('answers a headless service with the ready pod IPs, and its pods by hostname', async () => {
    expect((await resolver.resolve4('db.default.svc.cluster.local')).sort()).toEqual(['10.244.0.5', '10.244.0.6']);
    expect(await resolver.resolve4('db-1.db.default.svc.cluster.local')).toEqual(['10.244.0.6']);
  });

  it('answers ExternalName with a CNAME', async () => {
    expect(await resolver.resolveCname('ext.default.svc.cluster.local')).toEqual(['example.org']);
  });

  it('answers pod A records', async () => {
    expect(await resolver.resolve4('10-244-3-7.default.pod.cluster.local')).toEqual(['10.244.3.7']);
  });

  it('says NXDOMAIN for unknown names (with the SOA) and REFUSED outside the domain', async () => {
    await expect(resolver.resolve4('nope.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const nx = await udpQuery(dns.port, 'nope.default.svc.cluster.local', RRType.A);
    expect(nx.rcode).toBe(Rcode.NXDOMAIN);
    expect(nx.aa).toBe(true);
    expect(nx.sections[1][0]).toMatchObject({ name: 'cluster.local', type: RRType.SOA });
    expect((await udpQuery(dns.port, 'example.com', RRType.A)).rcode).toBe(Rcode.REFUSED);
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('follows new services as they are created and deleted', async () => {
    const ip = (await t.client.services.namespace('default').create(service('late', { ports: [{ port: 80 }] }))).spec!.clusterIP!;
    expect(await eventually(() => resolver.resolve4('late.default.svc.cluster.local').catch(() => undefined), 'the new service')).toEqual([ip]);
    await t.client.services.namespace('default').delete('late');
    await eventually(async () => (await udpQuery(dns.port, 'late.default.svc.cluster.local', RRType.A)).rcode === Rcode.NXDOMAIN, 'the name to go');
  });

  it('truncates big UDP answers and serves them in full over TCP', async () => {
    const udp = await udpQuery(dns.port, 'big.default.svc.cluster.local', RRType.A);
    expect(udp.tc).toBe(true);
    expect(udp.sections[0]).toEqual([]);
    const [tcp, srv] = await tcpQueries(dns.port, [
      { name: 'big.default.svc.cluster.local', type: RRType.A },
      { name: '_http._tcp.web.default.svc.cluster.local', type: RRType.SRV },
    ]);
    expect(tcp.tc).toBe(false);
    expect(tcp.sections[0].map((r) => r.data).sort()).toEqual([...many].sort());
    expect(srv.sections[0][0].data).toMatchObject({ port: 80, target: 'web.default.svc.cluster.local' });
    // c-ares retries over TCP on TC and gets everything.
    expect((await resolver.resolve4('big.default.svc.cluster.local')).length).toBe(60);
  });
});
