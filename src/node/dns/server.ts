// Cluster DNS: answers the cluster zone (see records.ts) over UDP and TCP
// from informer caches of Services and Endpoints. UDP answers that do not
// fit in 512 bytes (or the client's EDNS payload size) come back empty with
// TC set, and the client retries over TCP, where each message has a 2-byte
// length prefix and several may share a connection.

import dgram from 'node:dgram';
import net from 'node:net';
import type { Endpoints, Service } from '../../api/generated/index.js';
import { InformerFactory, type Client } from '../../client/index.js';
import { ClusterZone, type ClusterView } from './records.js';
import { encodeResponse, FormatError, Opcode, parseQuery, Rcode, type Response } from './wire.js';

export interface ClusterDnsOptions {
  client: Client;
  /** Port 0 picks a free port (the same one for UDP and TCP). */
  listen: { host: string; port: number };
  domain?: string;
  /** Answer TTL in seconds (default 5). */
  ttl?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface ClusterDns {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAX_UDP = 512;
/** Our own advertised EDNS payload size, and the ceiling on what we send over UDP. */
const EDNS_UDP = 1232;
const TCP_IDLE_MS = 30_000;

/** Answer one query message; undefined when it cannot even be answered with an error. */
export function handleQuery(zone: ClusterZone, msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
  let query;
  try {
    query = parseQuery(msg);
  } catch (err) {
    if (err instanceof FormatError && err.id !== undefined) {
      return encodeResponse({ id: err.id, opcode: 0, rd: false, aa: false, rcode: Rcode.FORMERR, questions: [], answers: [], authority: [], additional: [] });
    }
    return undefined;
  }
  const base: Response = {
    id: query.id,
    opcode: query.opcode,
    rd: query.rd,
    cd: query.cd,
    aa: false,
    rcode: Rcode.NOERROR,
    questions: query.questions,
    answers: [],
    authority: [],
    additional: [],
    ...(query.edns ? { edns: { udpSize: EDNS_UDP } } : {}),
  };
  if (query.opcode !== Opcode.QUERY) return encodeResponse({ ...base, rcode: Rcode.NOTIMP });
  if (query.questions.length !== 1) return encodeResponse({ ...base, rcode: Rcode.FORMERR });
  const a = zone.answer(query.questions[0]);
  const res: Response = { ...base, rcode: a.rcode, aa: a.aa, answers: a.answers, authority: a.authority, additional: a.additional };
  const limit = transport === 'udp' ? Math.min(query.edns?.udpSize ?? MAX_UDP, EDNS_UDP) : 65_535;
  return encodeResponse(res, limit);
}

export async function startClusterDns(opts: ClusterDnsOptions): Promise<ClusterDns> {
  const log = opts.log ?? (() => undefined);
  const informers = new InformerFactory(opts.client, { onError: (err) => log('cluster dns: watch failed, retrying', err) });
  const services = informers.informerFor<Service>('v1', 'Service', {
    indexers: { namespace: (s) => [s.metadata?.namespace ?? ''] },
  });
  const endpoints = informers.informerFor<Endpoints>('v1', 'Endpoints');
  const serviceLister = services.lister();
  const endpointsLister = endpoints.lister();
  const view: ClusterView = {
    service: (ns, name) => serviceLister.get(ns, name),
    endpoints: (ns, name) => endpointsLister.get(ns, name),
    hasNamespace: (ns) => services.indexer.byIndex('namespace', ns).length > 0,
    services: () => serviceLister.list(),
  };
  const zone = new ClusterZone(view, { domain: opts.domain ?? 'cluster.local', ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}) });
  informers.start();
  await informers.waitForCacheSync();

  const connections = new Set<net.Socket>();
  let udp: dgram.Socket | undefined;
  let tcp: net.Server | undefined;

  const onUdp = (sock: dgram.Socket) => (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    try {
      const reply = handleQuery(zone, msg, 'udp');
      if (reply) sock.send(reply, rinfo.port, rinfo.address);
    } catch (err) {
      log('cluster dns: query failed', err);
    }
  };

  const onTcp = (conn: net.Socket) => {
    connections.add(conn);
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        let reply: Buffer | undefined;
        try {
          reply = handleQuery(zone, Buffer.from(msg), 'tcp');
        } catch (err) {
          log('cluster dns: query failed', err);
        }
        if (!reply) {
          conn.destroy();
          return;
        }
        const frame = Buffer.alloc(2 + reply.length);
        frame.writeUInt16BE(reply.length, 0);
        reply.copy(frame, 2);
        conn.write(frame);
      }
    });
  };

  const bindUdp = (port: number) =>
    new Promise<dgram.Socket>((resolve, reject) => {
      const family = net.isIPv6(opts.listen.host) ? 'udp6' : 'udp4';
      const sock = dgram.createSocket(family);
      sock.once('error', reject);
      sock.bind({ address: opts.listen.host, port, exclusive: true }, () => {
        sock.removeListener('error', reject);
        sock.on('error', (err) => log('cluster dns: udp socket', err));
        sock.on('message', onUdp(sock));
        resolve(sock);
      });
    });
  const listenTcp = (port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer(onTcp);
      server.once('error', reject);
      server.listen({ host: opts.listen.host, port, exclusive: true }, () => {
        server.removeListener('error', reject);
        server.on('error', (err) => log('cluster dns: tcp server', err));
        resolve(server);
      });
    });

  try {
    // With port 0, the UDP port picks the number and TCP must get the same one; retry on a clash.
    for (let attempt = 0; ; attempt++) {
      udp = await bindUdp(opts.listen.port);
      const port = udp.address().port;
      try {
        tcp = await listenTcp(port);
        break;
      } catch (err) {
        await new Promise<void>((r) => udp!.close(() => r()));
        udp = undefined;
        if (opts.listen.port !== 0 || attempt >= 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  } catch (err) {
    await informers.stop();
    throw err;
  }
  const port = udp.address().port;
  let stopped = false;
  return {
    host: opts.listen.host,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of connections) c.destroy();
      await Promise.all([new Promise<void>((r) => udp!.close(() => r())), new Promise<void>((r) => tcp!.close(() => r()))]);
      await informers.stop();
    },
  };
}
