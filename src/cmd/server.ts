// `gitplane server`: the store and API server alone, for running the other
// components as separate processes; `gitplane kubeconfig` prints or writes
// the kubeconfig for a data directory's server.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ensureTokenFile } from '../apiserver/auth.js';
import { examples } from '../cli/command.js';
import { kubeconfigYaml } from '../cli/kubeconfig.js';
import { startControlPlane } from './control-plane.js';
import { addServerFlags, controlPlaneOptions, untilSignal, type ServerFlags } from './server-flags.js';

export function registerServer(program: Command): void {
  const server = addServerFlags(program.command('server').description('run the store and the API server')).action(async (flags: ServerFlags) => {
    const cp = await startControlPlane(controlPlaneOptions(flags));
    console.log(`API server listening on ${cp.url}; kubeconfig ${cp.kubeconfig}`);
    await untilSignal();
    await cp.close();
  });
  examples(server, [
    '# the control plane alone; run the other components as their own processes',
    'gitplane server --data-dir .gitplane',
    'gitplane controller-manager --data-dir .gitplane &',
    'gitplane scheduler --data-dir .gitplane &',
    'gitplane node --data-dir .gitplane &',
    '# let a node on another machine join (prints the `gitplane node` command to run there)',
    'gitplane token create --data-dir .gitplane --name worker-1',
    '# on a real etcd instead of the embedded store',
    'gitplane server --store etcd --etcd-endpoints http://127.0.0.1:2379',
    '# plain HTTP without authentication, on a free port',
    'gitplane server --insecure-http --port 0',
  ]);

  const kubeconfig = program
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
  examples(kubeconfig, [
    'gitplane kubeconfig --data-dir .gitplane > ~/.kube/gitplane.yaml',
    'gitplane kubeconfig --server https://10.0.0.1:6443 -o admin.kubeconfig',
  ]);
}
