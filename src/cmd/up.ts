// `gitplane up`: run a local cluster from a data directory. Today that is
// the store alone — the API server, scheduler, controllers, node agents and
// GitOps controller are wired in here as they land.

import path from 'node:path';
import type { Command } from 'commander';
import { openStore, startCompactor, type Store } from '../storage/index.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run a local gitplane cluster (currently: the store)')
    .option('--data-dir <dir>', 'where the cluster keeps its state', '.gitplane')
    .option('--store <backend>', 'embedded or etcd', 'embedded')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (with --store etcd)')
    .action(async (opts: { dataDir: string; store: string; etcdEndpoints?: string }) => {
      const store = await open(opts);
      // As kube-apiserver does: keep five minutes of history for watchers to resume from.
      const compactor = startCompactor(store, { mode: 'periodic', retentionMs: 5 * 60_000 });
      const status = await store.status();
      console.log(`store: ${status.version}, revision ${status.header.revision}`);
      console.log(
        'not yet running: API server, scheduler, controller manager, node agents and GitOps sync ' +
          '(each arrives with its own issue). Press Ctrl-C to stop.',
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      compactor.stop();
      await store.close();
      console.log('stopped');
    });
}

async function open(opts: { dataDir: string; store: string; etcdEndpoints?: string }): Promise<Store> {
  if (opts.store === 'etcd') {
    const endpoints = (opts.etcdEndpoints ?? '').split(',').filter(Boolean);
    if (endpoints.length === 0) throw new Error('--store etcd needs --etcd-endpoints');
    return openStore({ backend: 'etcd', endpoints });
  }
  if (opts.store !== 'embedded') throw new Error(`unknown --store ${opts.store} (embedded or etcd)`);
  const dir = path.resolve(opts.dataDir, 'store');
  const store = await openStore({ backend: 'embedded', dir });
  console.log(`store: embedded, data in ${dir}`);
  return store;
}
