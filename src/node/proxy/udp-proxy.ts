// A userspace UDP relay for one service port on one address: each client
// (address:port) gets its own socket connected to a backend, so replies can
// be told apart and sent back from the service address. Idle client
// sessions are closed after a timeout.

import dgram from 'node:dgram';
import type { Balancer } from './balancer.js';
import type { Listener } from './tcp-proxy.js';

export interface UdpProxyOptions {
  host: string;
  port: number;
  balancer: Balancer;
  /** Close a client's session after this much silence (default 30 s). */
  idleTimeoutMs?: number;
  log?: (message: string, err?: unknown) => void;
}

interface Session {
  socket: dgram.Socket;
  timer: NodeJS.Timeout;
  ready: Promise<boolean>;
}

export async function startUdpProxy(opts: UdpProxyOptions): Promise<Listener> {
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const log = opts.log ?? (() => undefined);
  const sessions = new Map<string, Session>();
  const server = dgram.createSocket({ type: 'udp4', reuseAddr: false });

  const endSession = (key: string) => {
    const s = sessions.get(key);
    if (!s) return;
    sessions.delete(key);
    clearTimeout(s.timer);
    s.socket.close();
  };

  const open = (key: string, rinfo: dgram.RemoteInfo): Session | undefined => {
    const backend = opts.balancer.candidates(rinfo.address)[0];
    if (!backend) return undefined;
    opts.balancer.used(rinfo.address, backend);
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg) => {
      const s = sessions.get(key);
      if (s) s.timer.refresh();
      server.send(msg, rinfo.port, rinfo.address);
    });
    socket.on('error', (err) => {
      log(`udp relay ${opts.host}:${opts.port} → ${backend.ip}:${backend.port}`, err);
      endSession(key);
    });
    const ready = new Promise<boolean>((resolve) => {
      socket.connect(backend.port, backend.ip, () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    const timer = setTimeout(() => endSession(key), idleMs);
    timer.unref();
    const session = { socket, timer, ready };
    sessions.set(key, session);
    return session;
  };

  server.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    const session = sessions.get(key) ?? open(key, rinfo);
    if (!session) return;
    session.timer.refresh();
    void session.ready.then((ok) => {
      if (ok && sessions.get(key) === session) session.socket.send(msg);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.bind({ address: opts.host, port: opts.port, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log(`udp relay ${opts.host}:${opts.port}`, err));
  return {
    id: `UDP:${opts.host}:${opts.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const key of [...sessions.keys()]) endSession(key);
        server.close(() => resolve());
      }),
  };
}
