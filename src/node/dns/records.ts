// The cluster zone, after the Kubernetes DNS specification
// (github.com/kubernetes/dns/blob/master/docs/specification.md), computed
// from the Service and Endpoints caches on every question:
//
//   <svc>.<ns>.svc.<domain>                 A: the ClusterIP; headless: the ready endpoint IPs;
//                                           ExternalName: a CNAME to spec.externalName
//   <host>.<svc>.<ns>.svc.<domain>          A: one endpoint of a headless service (its hostname,
//                                           or its IP with dashes)
//   _<port>._<proto>.<svc>.<ns>.svc.<domain> SRV per named port (headless: one per endpoint)
//   <a-b-c-d>.<ns>.pod.<domain>             A: a.b.c.d
//   d.c.b.a.in-addr.arpa                    PTR for ClusterIPs and headless endpoints
//
// There is no upstream resolver: names outside the domain (and reverse
// names that are not cluster addresses) get REFUSED.

import type { Endpoints, Service } from '../../api/generated/index.js';
import { Rcode, RRType, type Question, type ResourceRecord } from './wire.js';

export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  endpoints(namespace: string, name: string): Endpoints | undefined;
  hasNamespace(namespace: string): boolean;
  services(): Service[];
}

export interface ZoneOptions {
  domain: string;
  /** TTL of every answer (default 5 s, as CoreDNS's kubernetes plugin). */
  ttl?: number;
  serial?: number;
}

export interface Answer {
  rcode: number;
  aa: boolean;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

interface EndpointEntry {
  ip: string;
  hostname?: string;
  ports: Array<{ name: string; port: number; protocol: string }>;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function validIPv4(ip: string): boolean {
  const m = IPV4.exec(ip);
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

export function dashed(ip: string): string {
  return ip.replace(/\./g, '-');
}

function isHeadless(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && (svc.spec?.clusterIP === 'None' || !svc.spec?.clusterIP);
}

function endpointEntries(svc: Service, ep: Endpoints | undefined): EndpointEntry[] {
  const out = new Map<string, EndpointEntry>();
  const includeNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const subset of ep?.subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' }));
    for (const a of [...(subset.addresses ?? []), ...(includeNotReady ? (subset.notReadyAddresses ?? []) : [])]) {
      const entry = out.get(a.ip) ?? { ip: a.ip, ...(a.hostname ? { hostname: a.hostname } : {}), ports: [] };
      entry.ports.push(...ports);
      out.set(a.ip, entry);
    }
  }
  return [...out.values()];
}

export class ClusterZone {
  readonly domain: string;
  private readonly ttl: number;
  private readonly serial: number;

  constructor(
    private readonly view: ClusterView,
    opts: ZoneOptions,
  ) {
    this.domain = opts.domain.toLowerCase().replace(/^\.+|\.+$/g, '');
    this.ttl = opts.ttl ?? 5;
    this.serial = opts.serial ?? Math.floor(Date.now() / 1000) >>> 0;
  }

  soa(): ResourceRecord {
    return {
      name: this.domain,
      ttl: this.ttl,
      data: { type: 'SOA', mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  answer(q: Question): Answer {
    const name = q.name.toLowerCase().replace(/\.$/, '');
    if (q.class !== 1 && q.class !== 255) return this.result(Rcode.REFUSED, false);
    if (name.endsWith('.in-addr.arpa')) return this.reverse(name, q.type);
    if (name !== this.domain && !name.endsWith(`.${this.domain}`)) return this.result(Rcode.REFUSED, false);
    const answers: ResourceRecord[] = [];
    const additional: ResourceRecord[] = [];
    const rcode = this.lookup(name, q.type, answers, additional, 0);
    if (rcode !== Rcode.NOERROR) return { rcode, aa: true, answers, authority: [this.soa()], additional: [] };
    // NODATA: the name exists, but has nothing of this type.
    return { rcode, aa: true, answers, authority: answers.length === 0 ? [this.soa()] : [], additional };
  }

  private result(rcode: number, aa: boolean): Answer {
    return { rcode, aa, answers: [], authority: [], additional: [] };
  }

  private fqdn(...labels: string[]): string {
    return [...labels, this.domain].join('.');
  }

  /** Fill `answers` for `name` (inside the domain); returns the rcode. */
  private lookup(name: string, qtype: number, answers: ResourceRecord[], additional: ResourceRecord[], depth: number): number {
    const rest = name === this.domain ? '' : name.slice(0, -(this.domain.length + 1));
    const labels = rest ? rest.split('.') : [];
    const ttl = this.ttl;
    const wants = (t: number) => qtype === t || qtype === RRType.ANY;

    if (labels.length === 0) {
      if (wants(RRType.SOA)) answers.push(this.soa());
      if (wants(RRType.NS)) answers.push({ name: this.domain, ttl, data: { type: 'NS', target: `ns.dns.${this.domain}` } });
      return Rcode.NOERROR;
    }
    const zone = labels[labels.length - 1];
    if (zone === 'pod') {
      if (labels.length === 1) return Rcode.NOERROR;
      if (labels.length === 2) return this.view.hasNamespace(labels[0]) ? Rcode.NOERROR : Rcode.NXDOMAIN;
      if (labels.length !== 3) return Rcode.NXDOMAIN;
      const ip = labels[0].replace(/-/g, '.');
      if (!validIPv4(ip)) return Rcode.NXDOMAIN;
      if (wants(RRType.A)) answers.push({ name, ttl, data: { type: 'A', address: ip } });
      return Rcode.NOERROR;
    }
    if (zone !== 'svc') return Rcode.NXDOMAIN;
    if (labels.length === 1) return Rcode.NOERROR;
    if (labels.length === 2) return this.view.hasNamespace(labels[0]) ? Rcode.NOERROR : Rcode.NXDOMAIN;
    const ns = labels[labels.length - 2];
    const svcName = labels[labels.length - 3];
    const svc = this.view.service(ns, svcName);
    if (!svc) return Rcode.NXDOMAIN;
    const svcFqdn = this.fqdn(svcName, ns, 'svc');

    if (labels.length === 3) {
      if (svc.spec?.type === 'ExternalName') {
        const target = (svc.spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
        if (!target) return Rcode.NXDOMAIN;
        answers.push({ name, ttl, data: { type: 'CNAME', target } });
        if (qtype === RRType.CNAME) return Rcode.NOERROR;
        // Follow the alias while it stays inside the cluster zone; outside it the client asks again.
        if (depth < 8 && (target === this.domain || target.endsWith(`.${this.domain}`))) {
          const rcode = this.lookup(target, qtype, answers, additional, depth + 1);
          if (rcode === Rcode.NXDOMAIN) return Rcode.NXDOMAIN;
        }
        return Rcode.NOERROR;
      }
      if (isHeadless(svc)) {
        const eps = endpointEntries(svc, this.view.endpoints(ns, svcName));
        if (wants(RRType.A)) for (const e of eps) if (validIPv4(e.ip)) answers.push({ name, ttl, data: { type: 'A', address: e.ip } });
        if (wants(RRType.SRV)) {
          for (const e of eps) {
            const target = this.fqdn(e.hostname ?? dashed(e.ip), svcName, ns, 'svc');
            for (const p of e.ports) if (p.name) answers.push({ name, ttl, data: { type: 'SRV', priority: 0, weight: 100, port: p.port, target } });
            additional.push({ name: target, ttl, data: { type: 'A', address: e.ip } });
          }
        }
        return Rcode.NOERROR;
      }
      const clusterIP = svc.spec!.clusterIP!;
      if (wants(RRType.A) && validIPv4(clusterIP)) answers.push({ name, ttl, data: { type: 'A', address: clusterIP } });
      if (wants(RRType.SRV)) {
        for (const p of svc.spec?.ports ?? []) if (p.name) answers.push({ name, ttl, data: { type: 'SRV', priority: 0, weight: 100, port: p.port, target: svcFqdn } });
        if (validIPv4(clusterIP) && qtype === RRType.SRV) additional.push({ name: svcFqdn, ttl, data: { type: 'A', address: clusterIP } });
      }
      return Rcode.NOERROR;
    }

    if (svc.spec?.type === 'ExternalName') return Rcode.NXDOMAIN;
    const first = labels[0];
    if (labels.length === 4) {
      // _<proto>.<svc>... is an empty non-terminal; <host>.<svc>... is one headless endpoint.
      if (first === '_tcp' || first === '_udp' || first === '_sctp') return Rcode.NOERROR;
      if (!isHeadless(svc)) return Rcode.NXDOMAIN;
      const e = endpointEntries(svc, this.view.endpoints(ns, svcName)).filter((x) => (x.hostname ?? dashed(x.ip)) === first || dashed(x.ip) === first);
      if (e.length === 0) return Rcode.NXDOMAIN;
      if (wants(RRType.A)) for (const x of e) if (validIPv4(x.ip)) answers.push({ name, ttl, data: { type: 'A', address: x.ip } });
      return Rcode.NOERROR;
    }
    if (labels.length === 5 && first.startsWith('_') && labels[1].startsWith('_')) {
      const portName = first.slice(1);
      const proto = labels[1].slice(1).toUpperCase();
      if (isHeadless(svc)) {
        let found = false;
        for (const e of endpointEntries(svc, this.view.endpoints(ns, svcName))) {
          const port = e.ports.find((p) => p.name.toLowerCase() === portName && p.protocol === proto);
          if (!port) continue;
          found = true;
          const target = this.fqdn(e.hostname ?? dashed(e.ip), svcName, ns, 'svc');
          if (wants(RRType.SRV)) {
            answers.push({ name, ttl, data: { type: 'SRV', priority: 0, weight: 100, port: port.port, target } });
            additional.push({ name: target, ttl, data: { type: 'A', address: e.ip } });
          }
        }
        return found ? Rcode.NOERROR : Rcode.NXDOMAIN;
      }
      const port = (svc.spec?.ports ?? []).find((p) => (p.name ?? '').toLowerCase() === portName && (p.protocol ?? 'TCP') === proto);
      if (!port) return Rcode.NXDOMAIN;
      if (wants(RRType.SRV)) {
        answers.push({ name, ttl, data: { type: 'SRV', priority: 0, weight: 100, port: port.port, target: svcFqdn } });
        const clusterIP = svc.spec!.clusterIP!;
        if (validIPv4(clusterIP)) additional.push({ name: svcFqdn, ttl, data: { type: 'A', address: clusterIP } });
      }
      return Rcode.NOERROR;
    }
    return Rcode.NXDOMAIN;
  }

  private reverse(name: string, qtype: number): Answer {
    const octets = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (octets.length !== 4) return this.result(Rcode.REFUSED, false);
    const ip = octets.reverse().join('.');
    if (!validIPv4(ip)) return this.result(Rcode.REFUSED, false);
    const targets: string[] = [];
    for (const svc of this.view.services()) {
      const ns = svc.metadata.namespace ?? 'default';
      const svcName = svc.metadata.name!;
      if (svc.spec?.clusterIP === ip) targets.push(this.fqdn(svcName, ns, 'svc'));
      else if (isHeadless(svc)) {
        for (const e of endpointEntries(svc, this.view.endpoints(ns, svcName))) if (e.ip === ip) targets.push(this.fqdn(e.hostname ?? dashed(e.ip), svcName, ns, 'svc'));
      }
    }
    if (targets.length === 0) return this.result(Rcode.REFUSED, false);
    const answers: ResourceRecord[] =
      qtype === RRType.PTR || qtype === RRType.ANY ? targets.map((target) => ({ name, ttl: this.ttl, data: { type: 'PTR', target } })) : [];
    return { rcode: Rcode.NOERROR, aa: true, answers, authority: [], additional: [] };
  }
}
