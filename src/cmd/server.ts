// `gitplane server`: the store and API server alone, for running the other
// components as separate processes; `gitplane kubeconfig` prints or writes
// the kubeconfig for a data directory's server.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ensureTokenFile } from '../apiserver/auth.js';
import { kubeconfigYaml } from '../cli/kubeconfig.js';
import { startControlPlane } from './control-plane.js';
import { storeOption } from './up.js';

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run the store and the API server')
    .option('--data-dir <dir>', 'where the cluster keeps its state', '.gitplane')
    .option('--store <backend>', 'embedded or etcd', 'embedded')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs (with --store etcd)')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--insecure-http', 'serve plain HTTP without authentication (local mode)')
    .action(async (opts: { dataDir: string; store: string; etcdEndpoints?: string; port: string; insecureHttp?: boolean }) => {
      const cp = await startControlPlane({ dataDir: opts.dataDir, store: storeOption(opts), port: Number(opts.port), insecureHttp: opts.insecureHttp });
      console.log(`API server listening on ${cp.url}; kubeconfig ${cp.kubeconfig}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await cp.close();
    });

  program
    .command('kubeconfig')
    .description('print (or write with -o) a kubeconfig for the cluster in a data directory')
    .option('--data-dir <dir>', 'the cluster data directory', '.gitplane')
    .option('--server <url>', 'API server URL (default: the running server of the data dir)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action((opts: { dataDir: string; server?: string; output?: string }) => {
      const dataDir = path.resolve(opts.dataDir);
      let server = opts.server;
      if (!server) {
        const state = path.join(dataDir, 'apiserver.json');
        if (!fs.existsSync(state)) throw new Error(`no running API server recorded in ${state}; pass --server`);
        server = (JSON.parse(fs.readFileSync(state, 'utf8')) as { url: string }).url;
      }
      const https = server.startsWith('https://');
      const caFile = path.join(dataDir, 'pki', 'ca.crt');
      const yaml = kubeconfigYaml({
        server,
        caCert: https && fs.existsSync(caFile) ? fs.readFileSync(caFile, 'utf8') : undefined,
        token: https ? ensureTokenFile(dataDir).adminToken : undefined,
      });
      if (opts.output) {
        fs.writeFileSync(opts.output, yaml, { mode: 0o600 });
        console.log(`wrote ${opts.output}`);
      } else process.stdout.write(yaml);
    });
}
