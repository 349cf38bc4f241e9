// The flags every process that runs the control plane takes, and how they
// become ControlPlaneOptions; shared by `gitplane up` and `gitplane server`.

import type { Command } from 'commander';
import type { ControlPlaneOptions } from './control-plane.js';

export interface ServerFlags {
  dataDir: string;
  store: string;
  etcdEndpoints?: string;
  port: string;
  insecureHttp?: boolean;
}

export function addServerFlags(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'where the cluster keeps its state', '.gitplane')
    .option('--store <backend>', 'embedded or etcd', 'embedded')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (with --store etcd)')
    .option('--port <n>', 'API server port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--insecure-http', 'serve plain HTTP without authentication (local mode)');
}

export function controlPlaneOptions(flags: ServerFlags): ControlPlaneOptions {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0 to 65535, not ${flags.port}`);
  return { dataDir: flags.dataDir, store: storeOption(flags), port, insecureHttp: flags.insecureHttp };
}

function storeOption(flags: ServerFlags): ControlPlaneOptions['store'] {
  if (flags.store === 'etcd') {
    const endpoints = (flags.etcdEndpoints ?? '').split(',').filter(Boolean);
    if (endpoints.length === 0) throw new Error('--store etcd needs --etcd-endpoints');
    return { backend: 'etcd', endpoints };
  }
  if (flags.store !== 'embedded') throw new Error(`unknown --store ${flags.store} (embedded or etcd)`);
  return { backend: 'embedded' };
}

/** Resolve on Ctrl-C or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
