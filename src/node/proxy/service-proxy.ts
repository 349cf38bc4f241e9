// The service proxy (kube-proxy's old userspace mode, k3s ServiceLB for
// LoadBalancers): it watches Services and Endpoints and, per service port,
// runs a TCP proxy (or UDP relay) on the ClusterIP, on the node's NodePort
// addresses and on a LoadBalancer ingress IP, all sharing one balancer over
// the port's ready endpoints.
//
// Bridge mode (root): ClusterIPs (e.g. 10.96.x.y) are added as /32s to a
// local-only device `gp-svc`, so the host and the pods (whose default route
// is the bridge gateway, i.e. the host) reach them. Loopback mode: the
// cluster's service CIDR is in 127.0.0.0/8 and ClusterIPs bind directly.
// LoadBalancer ingress IPs come from a loopback range in both modes.
//
// Like a controller: event handlers only enqueue "ns/name"; syncService(key)
// reads the caches, is idempotent, and retries after a failure.

import type { Endpoints, Service, ServicePort } from '../../api/generated/index.js';
import { deletionHandlingKey, InformerFactory, splitMetaNamespaceKey, type Client, type ObjectLike } from '../../client/index.js';
import { Cidr, isIPv4 } from '../network/cidr.js';
import { deleteLink, ensureDummyLink, ip, isExists, isNotFound } from '../network/ip-command.js';
import { Balancer, type Backend } from './balancer.js';
import { startTcpProxy, type Listener } from './tcp-proxy.js';
import { startUdpProxy } from './udp-proxy.js';

export type ProxyMode = 'bridge' | 'loopback';

export interface ServiceProxyOptions {
  client: Client;
  mode: ProxyMode;
  /** NodePorts listen here and on 127.0.0.1. */
  nodeIP?: string;
  /** Where LoadBalancer ingress IPs come from (default 127.240.0.0/16). */
  lbRange?: string;
  log?: (message: string, err?: unknown) => void;
  /** Bridge mode: the device that carries ClusterIPs (default "gp-svc"). */
  serviceInterface?: string;
  /** Delay before retrying a service whose sync failed (default 1 s). */
  retryDelayMs?: number;
  /** Idle UDP sessions end after this long (default 30 s). */
  udpIdleTimeoutMs?: number;
}

export interface ServiceProxy {
  stop(): Promise<void>;
  /** Resolves when every queued service has been synced (tests, diagnostics). */
  idle(): Promise<void>;
  /** What is listening, as "TCP:ip:port" / "UDP:ip:port", per "ns/name". */
  listeners(): Record<string, string[]>;
}

const DEFAULT_AFFINITY_SECONDS = 10_800;

interface Desired {
  id: string;
  protocol: 'TCP' | 'UDP';
  host: string;
  port: number;
  portKey: string;
}

interface ServiceState {
  listeners: Map<string, Listener>;
  balancers: Map<string, Balancer>;
  /** The ClusterIP address this proxy put on the service device (bridge mode). */
  address?: string;
  lbIP?: string;
  /** The ingress IP last written to status by this proxy. */
  reportedLB?: string;
  warned?: string;
}

const portKeyOf = (p: { name?: string; protocol?: string }): string => `${p.name ?? ''}/${p.protocol ?? 'TCP'}`;

/** The ready backends for one service port: the Endpoints' addresses with the port of the same name. */
export function backendsFor(endpoints: Endpoints | undefined, port: ServicePort): Backend[] {
  const out: Backend[] = [];
  const seen = new Set<string>();
  for (const subset of endpoints?.subsets ?? []) {
    const match = (subset.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
    if (!match) continue;
    for (const a of subset.addresses ?? []) {
      const key = `${a.ip}:${match.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ip: a.ip, port: match.port });
    }
  }
  return out;
}

/** Services the proxy serves: not headless, not ExternalName, with an IPv4 ClusterIP. */
function isProxied(svc: Service): boolean {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return false;
  return !!spec.clusterIP && spec.clusterIP !== 'None' && isIPv4(spec.clusterIP);
}

export async function startServiceProxy(opts: ServiceProxyOptions): Promise<ServiceProxy> {
  const log = opts.log ?? (() => undefined);
  const device = opts.serviceInterface ?? 'gp-svc';
  const lbRange = new Cidr(opts.lbRange ?? '127.240.0.0/16');
  const retryDelayMs = opts.retryDelayMs ?? 1000;
  const loopback = new Cidr('127.0.0.0/8');
  const nodeHosts = opts.nodeIP && (opts.nodeIP === '0.0.0.0' || opts.nodeIP === '127.0.0.1') ? [opts.nodeIP] : [...(opts.nodeIP ? [opts.nodeIP] : []), '127.0.0.1'];

  if (opts.mode === 'bridge') {
    await ensureDummyLink(device);
    // Addresses left by an earlier run are re-added by the first sync as needed.
    await ip(['addr', 'flush', 'dev', device]);
  }

  const informers = new InformerFactory(opts.client, { onError: (err) => log('service proxy: watch failed, retrying', err) });
  const services = informers.informerFor<Service>('v1', 'Service');
  const endpoints = informers.informerFor<Endpoints>('v1', 'Endpoints');
  const serviceLister = services.lister();
  const endpointsLister = endpoints.lister();

  const states = new Map<string, ServiceState>();
  const lbOwners = new Map<string, string>(); // ip → key
  const dirty = new Set<string>();
  const retries = new Map<string, NodeJS.Timeout>();
  let running: Promise<void> | undefined;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const enqueue = (key: string) => {
    if (stopped) return;
    dirty.add(key);
    running ??= work().finally(() => {
      running = undefined;
      if (dirty.size > 0 && !stopped) enqueue([...dirty][0]);
      else for (const w of idleWaiters.splice(0)) w();
    });
  };

  async function work(): Promise<void> {
    while (dirty.size > 0 && !stopped) {
      const key = dirty.values().next().value as string;
      dirty.delete(key);
      try {
        await syncService(key);
      } catch (err) {
        log(`service proxy: sync ${key} failed, retrying`, err);
        if (!retries.has(key) && !stopped) {
          retries.set(
            key,
            setTimeout(() => {
              retries.delete(key);
              enqueue(key);
            }, retryDelayMs),
          );
        }
      }
    }
  }

  const handler = {
    onAdd: (obj: ObjectLike) => enqueue(deletionHandlingKey(obj)),
    onUpdate: (_old: ObjectLike, obj: ObjectLike) => enqueue(deletionHandlingKey(obj)),
    onDelete: (obj: ObjectLike | Parameters<typeof deletionHandlingKey>[0]) => enqueue(deletionHandlingKey(obj)),
  };
  services.addEventHandler(handler);
  endpoints.addEventHandler(handler);

  async function addAddress(addr: string): Promise<void> {
    await ip(['addr', 'add', `${addr}/32`, 'dev', device]).catch((err: unknown) => {
      if (!isExists(err)) throw err;
    });
  }

  async function delAddress(addr: string): Promise<void> {
    await ip(['addr', 'del', `${addr}/32`, 'dev', device]).catch((err: unknown) => {
      if (!isNotFound(err) && !/Cannot assign requested address/i.test(String((err as Error).message))) throw err;
    });
  }

  function pickLoadBalancerIP(key: string, svc: Service, state: ServiceState): string {
    if (state.lbIP) return state.lbIP;
    const wanted = [svc.spec?.loadBalancerIP, ...(svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)];
    for (const candidate of wanted) {
      if (candidate && lbRange.contains(candidate) && !lbOwners.has(candidate)) return claim(candidate);
    }
    for (let off = 1; off < lbRange.size - 1; off++) {
      const candidate = lbRange.at(off);
      if (candidate.endsWith('.0') || candidate.endsWith('.255') || lbOwners.has(candidate)) continue;
      return claim(candidate);
    }
    throw new Error(`no free LoadBalancer address left in ${lbRange.cidr}`);
    function claim(addr: string): string {
      lbOwners.set(addr, key);
      state.lbIP = addr;
      return addr;
    }
  }

  async function writeIngress(namespace: string, name: string, ingressIP: string | undefined): Promise<void> {
    const ingress = ingressIP ? [{ ip: ingressIP, ipMode: 'VIP' as const }] : [];
    await opts.client.services.namespace(namespace).patch(name, { status: { loadBalancer: { ingress } } }, 'merge', { subresource: 'status' });
  }

  async function removeService(key: string, state: ServiceState): Promise<void> {
    for (const l of state.listeners.values()) await l.close();
    state.listeners.clear();
    if (state.address) await delAddress(state.address);
    if (state.lbIP) lbOwners.delete(state.lbIP);
    states.delete(key);
  }

  async function syncService(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const svc = serviceLister.get(namespace, name);
    let state = states.get(key);
    if (!svc || !isProxied(svc)) {
      if (state) {
        const hadLB = state.reportedLB;
        await removeService(key, state);
        if (svc && hadLB) await writeIngress(namespace, name, undefined);
      }
      return;
    }
    if (!state) {
      state = { listeners: new Map(), balancers: new Map() };
      states.set(key, state);
    }
    const spec = svc.spec ?? {};
    const ep = endpointsLister.get(namespace, name);
    const affinityMs =
      spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) * 1000 : undefined;

    // Balancers: one per service port, shared by its ClusterIP, NodePort and LoadBalancer listeners.
    const ports = (spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP' || p.protocol === 'UDP');
    const wantedKeys = new Set(ports.map(portKeyOf));
    for (const k of state.balancers.keys()) if (!wantedKeys.has(k)) state.balancers.delete(k);
    for (const p of ports) {
      const k = portKeyOf(p);
      let balancer = state.balancers.get(k);
      if (!balancer) state.balancers.set(k, (balancer = new Balancer({ affinityTimeoutMs: affinityMs })));
      balancer.update(backendsFor(ep, p), affinityMs);
    }

    // Where to listen.
    const clusterIP = spec.clusterIP!;
    let clusterHost: string | undefined = clusterIP;
    if (opts.mode === 'loopback' && !loopback.contains(clusterIP)) {
      if (state.warned !== clusterIP) log(`service proxy: ${key}: ClusterIP ${clusterIP} is not a loopback address; loopback mode needs a 127.x service CIDR`);
      state.warned = clusterIP;
      clusterHost = undefined;
    }
    if (opts.mode === 'bridge') {
      if (state.address && state.address !== clusterIP) await delAddress(state.address);
      await addAddress(clusterIP);
      state.address = clusterIP;
    }
    const isLB = spec.type === 'LoadBalancer';
    const withNodePorts = spec.type === 'NodePort' || isLB;
    if (!isLB && state.lbIP) {
      lbOwners.delete(state.lbIP);
      state.lbIP = undefined;
    }
    const lbIP = isLB ? pickLoadBalancerIP(key, svc, state) : undefined;

    const desired = new Map<string, Desired>();
    const want = (protocol: 'TCP' | 'UDP', host: string, port: number, portKey: string) => {
      const id = `${protocol}:${host}:${port}`;
      desired.set(id, { id, protocol, host, port, portKey });
    };
    for (const p of ports) {
      const protocol = (p.protocol ?? 'TCP') as 'TCP' | 'UDP';
      const k = portKeyOf(p);
      if (clusterHost) want(protocol, clusterHost, p.port, k);
      if (withNodePorts && p.nodePort) for (const host of nodeHosts) want(protocol, host, p.nodePort, k);
      if (lbIP) want(protocol, lbIP, p.port, k);
    }

    for (const [id, l] of state.listeners) {
      if (desired.has(id)) continue;
      await l.close();
      state.listeners.delete(id);
    }
    // A listener is bound to its balancer; a port whose balancer was replaced gets a new listener.
    const failures: string[] = [];
    for (const d of desired.values()) {
      const existing = state.listeners.get(d.id) as (Listener & { portKey?: string }) | undefined;
      if (existing && existing.portKey === d.portKey) continue;
      if (existing) {
        await existing.close();
        state.listeners.delete(d.id);
      }
      const balancer = state.balancers.get(d.portKey)!;
      try {
        const l =
          d.protocol === 'TCP'
            ? await startTcpProxy({ host: d.host, port: d.port, balancer, log })
            : await startUdpProxy({ host: d.host, port: d.port, balancer, log, ...(opts.udpIdleTimeoutMs ? { idleTimeoutMs: opts.udpIdleTimeoutMs } : {}) });
        state.listeners.set(d.id, Object.assign(l, { portKey: d.portKey }));
      } catch (err) {
        failures.push(`${d.id}: ${(err as Error).message}`);
      }
    }

    if (isLB && lbIP && (state.reportedLB !== lbIP || !(svc.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === lbIP))) {
      await writeIngress(namespace, name, lbIP);
      state.reportedLB = lbIP;
    } else if (!isLB && state.reportedLB) {
      await writeIngress(namespace, name, undefined);
      state.reportedLB = undefined;
    }
    if (failures.length > 0) throw new Error(`could not listen on ${failures.join('; ')}`);
  }

  informers.start();
  await informers.waitForCacheSync();
  await new Promise<void>((resolve) => (running ? idleWaiters.push(resolve) : resolve()));

  return {
    idle: () => new Promise<void>((resolve) => (running ? idleWaiters.push(resolve) : resolve())),
    listeners() {
      const out: Record<string, string[]> = {};
      for (const [key, s] of states) out[key] = [...s.listeners.keys()].sort();
      return out;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of retries.values()) clearTimeout(t);
      retries.clear();
      await informers.stop();
      await running?.catch(() => undefined);
      for (const [key, state] of [...states]) await removeService(key, state).catch((err: unknown) => log(`service proxy: removing ${key}`, err));
      for (const w of idleWaiters.splice(0)) w();
      if (opts.mode === 'bridge') await deleteLink(device);
    },
  };
}
