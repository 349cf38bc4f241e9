// `gitplane up`: run a local cluster from a data directory. Today that is
// the store and the API server — the scheduler, controllers, node agents and
// GitOps controller are wired in here as they land.

import type { Command } from 'commander';
import { startControlPlane } from './control-plane.js';

interface UpOptions {
  dataDir: string;
  store: string;
  etcdEndpoints?: string;
  port: string;
  insecureHttp?: boolean;
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run a local gitplane cluster (currently: the store and the API server)')
    .option('--data-dir <dir>', 'where the cluster keeps its state', '.gitplane')
    .option('--store <backend>', 'embedded or etcd', 'embedded')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (with --store etcd)')
    .option('--port <n>', 'API server port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--insecure-http', 'serve plain HTTP without authentication (local mode)')
    .action(async (opts: UpOptions) => {
      const cp = await startControlPlane({
        dataDir: opts.dataDir,
        store: storeOption(opts),
        port: Number(opts.port),
        insecureHttp: opts.insecureHttp,
      });
      const status = await cp.store.status();
      console.log(`store:       ${status.version}, revision ${status.header.revision}`);
      console.log(`API server:  ${cp.url}`);
      console.log(`kubeconfig:  ${cp.kubeconfig}   (export KUBECONFIG=${cp.kubeconfig})`);
      console.log(
        'not yet running: scheduler, controller manager, node agents and GitOps sync (each arrives with its own issue). Press Ctrl-C to stop.',
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await cp.close();
      console.log('stopped');
    });
}

export function storeOption(opts: { store: string; etcdEndpoints?: string }): { backend: 'embedded' } | { backend: 'etcd'; endpoints: string[] } {
  if (opts.store === 'etcd') {
    const endpoints = (opts.etcdEndpoints ?? '').split(',').filter(Boolean);
    if (endpoints.length === 0) throw new Error('--store etcd needs --etcd-endpoints');
    return { backend: 'etcd', endpoints };
  }
  if (opts.store !== 'embedded') throw new Error(`unknown --store ${opts.store} (embedded or etcd)`);
  return { backend: 'embedded' };
}
