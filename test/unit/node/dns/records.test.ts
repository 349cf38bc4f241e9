import { describe, expect, it } from 'vitest';
import type { Endpoints, Service } from '../../../../src/api/generated/index.js';
import { ClusterZone, Rcode, RRType, resolvConf } from '../../../../src/node/dns/index.js';

const svc = (name: string, spec: Service['spec'], ns = 'default'): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
const services = [
  svc('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
  svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
  svc('ext', { type: 'ExternalName', externalName: 'example.com' }),
  svc('alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
];
const endpoints: Record<string, Endpoints> = {
  'default/db': {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'db', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.244.0.5', hostname: 'db-0' }, { ip: '10.244.0.6' }], notReadyAddresses: [{ ip: '10.244.0.7' }], ports: [{ name: 'pg', port: 5432 }] }],
  },
};
const zone = new ClusterZone(
  {
    service: (ns, name) => services.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
    endpoints: (ns, name) => endpoints[`${ns}/${name}`],
    hasNamespace: (ns) => services.some((s) => s.metadata.namespace === ns),
    services: () => services,
  },
  { domain: 'cluster.local' },
);
const ask = (name: string, type: number = RRType.A) => zone.answer({ name, type, class: 1 });
const data = (a: ReturnType<typeof ask>) => a.answers.map((r) => r.data);

describe('cluster zone', () => {
  it('answers a ClusterIP service with its A record, and AAAA with no data and the SOA', () => {
    expect(data(ask('web.default.svc.cluster.local'))).toEqual([{ type: 'A', address: '10.96.0.10' }]);
    expect(data(ask('WEB.default.svc.cluster.local.'))).toEqual([{ type: 'A', address: '10.96.0.10' }]);
    const aaaa = ask('web.default.svc.cluster.local', RRType.AAAA);
    expect(aaaa.rcode).toBe(Rcode.NOERROR);
    expect(aaaa.answers).toEqual([]);
    expect(aaaa.authority[0].data.type).toBe('SOA');
  });

  it('answers headless services with the ready endpoint IPs and their hostnames', () => {
    expect(data(ask('db.default.svc.cluster.local'))).toEqual([
      { type: 'A', address: '10.244.0.5' },
      { type: 'A', address: '10.244.0.6' },
    ]);
    expect(data(ask('db-0.db.default.svc.cluster.local'))).toEqual([{ type: 'A', address: '10.244.0.5' }]);
    expect(data(ask('10-244-0-6.db.default.svc.cluster.local'))).toEqual([{ type: 'A', address: '10.244.0.6' }]);
    expect(ask('10-244-0-7.db.default.svc.cluster.local').rcode).toBe(Rcode.NXDOMAIN);
    const srv = ask('_pg._tcp.db.default.svc.cluster.local', RRType.SRV);
    expect(data(srv)).toEqual([
      { type: 'SRV', priority: 0, weight: 100, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
      { type: 'SRV', priority: 0, weight: 100, port: 5432, target: '10-244-0-6.db.default.svc.cluster.local' },
    ]);
    expect(srv.additional).toHaveLength(2);
  });

  it('answers SRV for named ports with the service name as target', () => {
    expect(data(ask('_http._tcp.web.default.svc.cluster.local', RRType.SRV))).toEqual([
      { type: 'SRV', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' },
    ]);
    expect(data(ask('_dns._udp.web.default.svc.cluster.local', RRType.SRV))[0]).toMatchObject({ port: 53 });
    expect(ask('_dns._tcp.web.default.svc.cluster.local', RRType.SRV).rcode).toBe(Rcode.NXDOMAIN);
    expect(ask('_tcp.web.default.svc.cluster.local', RRType.SRV).rcode).toBe(Rcode.NOERROR);
  });

  it('answers ExternalName with a CNAME, chased inside the zone', () => {
    expect(data(ask('ext.default.svc.cluster.local'))).toEqual([{ type: 'CNAME', target: 'example.com' }]);
    expect(data(ask('alias.default.svc.cluster.local'))).toEqual([
      { type: 'CNAME', target: 'web.default.svc.cluster.local' },
      { type: 'A', address: '10.96.0.10' },
    ]);
  });

  it('answers pod names from the address they carry', () => {
    expect(data(ask('10-244-1-9.default.pod.cluster.local'))).toEqual([{ type: 'A', address: '10.244.1.9' }]);
    expect(ask('10-244-1-999.default.pod.cluster.local').rcode).toBe(Rcode.NXDOMAIN);
  });

  it('says NXDOMAIN with the SOA for missing names, NODATA for empty non-terminals, REFUSED outside', () => {
    const nx = ask('nope.default.svc.cluster.local');
    expect(nx.rcode).toBe(Rcode.NXDOMAIN);
    expect(nx.authority[0].data).toMatchObject({ type: 'SOA', mname: 'ns.dns.cluster.local' });
    expect(ask('web.other.svc.cluster.local').rcode).toBe(Rcode.NXDOMAIN);
    expect(ask('default.svc.cluster.local').rcode).toBe(Rcode.NOERROR);
    expect(ask('svc.cluster.local').rcode).toBe(Rcode.NOERROR);
    expect(ask('cluster.local', RRType.SOA).answers[0].data.type).toBe('SOA');
    expect(ask('example.com').rcode).toBe(Rcode.REFUSED);
  });

  it('answers PTR for ClusterIPs', () => {
    expect(data(ask('10.0.96.10.in-addr.arpa', RRType.PTR))).toEqual([{ type: 'PTR', target: 'web.default.svc.cluster.local' }]);
    expect(ask('1.2.3.4.in-addr.arpa', RRType.PTR).rcode).toBe(Rcode.REFUSED);
  });
});

describe('resolvConf', () => {
  it('writes the ClusterFirst search path', () => {
    expect(resolvConf('shop', '10.96.0.10')).toBe('search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect(resolvConf('a', '1.1.1.1', 'corp.internal')).toContain('search a.svc.corp.internal svc.corp.internal corp.internal\n');
  });
});
