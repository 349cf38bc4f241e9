// Starts the store and the API server from a data directory: the piece that
// `gitplane up` and `gitplane server` share, and the only place that wires
// storage into the API server.

import fs from 'node:fs';
import path from 'node:path';
import { TokenAuthenticator, ensureTokenFile } from '../apiserver/auth.js';
import { loadOrCreateKeys } from '../apiserver/encryption.js';
import { loadOrCreatePki } from '../apiserver/pki.js';
import { ApiServer } from '../apiserver/server.js';
import { writeKubeconfig } from '../cli/kubeconfig.js';
import { openStore, startCompactor, type Compactor, type Store } from '../storage/index.js';

export interface ControlPlaneOptions {
  dataDir: string;
  store?: { backend: 'embedded' } | { backend: 'etcd'; endpoints: string[] };
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Serve plain HTTP without authentication (local mode). */
  insecureHttp?: boolean;
  /** Interval between watch BOOKMARK events (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Service ClusterIP range (default 10.96.0.0/16; loopback-mode clusters use a 127.x range). */
  serviceCidr?: string;
  log?: (message: string, err?: unknown) => void;
}

export interface ControlPlane {
  store: Store;
  api: ApiServer;
  url: string;
  kubeconfig: string;
  adminToken?: string;
  caCert?: string;
  close(): Promise<void>;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store =
    opts.store?.backend === 'etcd'
      ? await openStore({ backend: 'etcd', endpoints: opts.store.endpoints })
      : await openStore({ backend: 'embedded', dir: path.join(dataDir, 'store') });
  let compactor: Compactor | undefined;
  let api: ApiServer | undefined;
  try {
    // As kube-apiserver does: keep five minutes of history for watchers to resume from.
    compactor = startCompactor(store, { mode: 'periodic', retentionMs: 5 * 60_000 });
    const tokens = opts.insecureHttp ? undefined : ensureTokenFile(dataDir);
    api = await ApiServer.create({
      store,
      secretBox: loadOrCreateKeys(dataDir),
      authenticator: tokens ? TokenAuthenticator.fromFile(tokens.file) : undefined,
      bookmarkIntervalMs: opts.bookmarkIntervalMs,
      serviceCidr: opts.serviceCidr,
      log: opts.log,
    });
    const pki = opts.insecureHttp ? undefined : loadOrCreatePki(path.join(dataDir, 'pki'));
    const listening = await api.listen({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 6443,
      tls: pki ? { key: pki.key, cert: pki.cert } : undefined,
    });
    const kubeconfig = writeKubeconfig(path.join(dataDir, 'kubeconfig'), {
      server: listening.url,
      caCert: pki?.caCert,
      token: tokens?.adminToken,
    });
    fs.writeFileSync(path.join(dataDir, 'apiserver.json'), JSON.stringify({ url: listening.url, pid: process.pid }) + '\n');
    const server = api;
    return {
      store,
      api: server,
      url: listening.url,
      kubeconfig,
      adminToken: tokens?.adminToken,
      caCert: pki?.caCert,
      async close() {
        compactor?.stop();
        await server.close();
        await store.close();
        fs.rmSync(path.join(dataDir, 'apiserver.json'), { force: true });
      },
    };
  } catch (err) {
    compactor?.stop();
    await api?.close();
    await store.close();
    throw err;
  }
}
