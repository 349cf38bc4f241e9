// `gitplane gitops`: the Application controller as its own process, reaching the
// API server through a kubeconfig and serving the push webhook (/api/webhook)
// and Prometheus metrics (/metrics) on its own loopback port. `gitplane up`
// runs the same controller in-process and mounts both on the API server.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ApiHandler } from '../api/handler.js';
import { serve } from '../apiserver/http.js';
import type { Client } from '../client/index.js';
import { GitOpsController } from '../gitops/controller/index.js';
import { clientFromFlags } from './client-flags.js';
import { untilSignal } from './server-flags.js';

/** The webhook secret: the flag, $GITPLANE_WEBHOOK_SECRET, or <dataDir>/webhook-secret (created once). */
export function loadOrCreateWebhookSecret(dataDir: string, given?: string): string {
  if (given) return given;
  if (process.env.GITPLANE_WEBHOOK_SECRET) return process.env.GITPLANE_WEBHOOK_SECRET;
  const file = path.join(dataDir, 'webhook-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(20).toString('hex');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}

export async function startGitOps(opts: { client: Client; dataDir: string; webhookSecret: string; log?: (m: string, err?: unknown) => void }): Promise<GitOpsController> {
  const controller = new GitOpsController({
    client: opts.client,
    dataDir: path.resolve(opts.dataDir),
    webhookSecret: opts.webhookSecret,
    ...(opts.log ? { log: opts.log } : {}),
  });
  await controller.start();
  return controller;
}

interface GitOpsFlags {
  kubeconfig?: string;
  dataDir: string;
  port: string;
  webhookSecret?: string;
}

export function registerGitOps(program: Command): void {
  program
    .command('gitops')
    .description('run the GitOps (Application) controller, with the push webhook and metrics on 127.0.0.1')
    .option('--kubeconfig <file>', 'kubeconfig of the API server (default: <data-dir>/kubeconfig)')
    .option('--data-dir <dir>', 'where clones of remote repositories are kept', '.gitplane')
    .option('--port <n>', 'port for /api/webhook and /metrics on 127.0.0.1 (0 picks a free one)', '8089')
    .option('--webhook-secret <secret>', 'HMAC secret for push webhooks (default: $GITPLANE_WEBHOOK_SECRET or <data-dir>/webhook-secret)')
    .action(async (flags: GitOpsFlags) => {
      const client = clientFromFlags(flags, 'gitplane-gitops');
      const controller = await startGitOps({ client, dataDir: flags.dataDir, webhookSecret: loadOrCreateWebhookSecret(flags.dataDir, flags.webhookSecret) });
      const handler: ApiHandler = async (req, res) => {
        const urlPath = req.url.split('?')[0];
        if (urlPath === '/api/webhook') return controller.webhookHandler(req, res);
        if (urlPath === '/metrics') return controller.metricsHandler(req, res);
        if (urlPath === '/healthz') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('ok');
        }
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      };
      const listening = await serve(handler, { host: '127.0.0.1', port: Number(flags.port) }, (m, err) => console.error(`gitops: ${m}`, err ?? ''));
      console.log(`gitops: webhook ${listening.url}/api/webhook, metrics ${listening.url}/metrics`);
      await untilSignal();
      await listening.close();
      await controller.stop();
      client.close();
    });
}
