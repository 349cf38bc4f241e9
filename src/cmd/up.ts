// `gitplane up`: run a local cluster from a data directory: the store, the
// API server, the scheduler and controllers (in this process, through the
// in-process client), and N nodes, each with its node agent; the first node
// also runs the service proxy and cluster DNS.

import type { Command } from 'commander';
import { createClient, inProcessTransport } from '../client/index.js';
import { startControllerManager } from '../controller/manager.js';
import { startSimulatedNodes } from '../node/simulated/index.js';
import { newScheduler } from '../scheduler/index.js';
import { startControlPlane } from './control-plane.js';
import { loadOrCreateWebhookSecret, startGitOps } from './gitops.js';
import { bridgeAvailable, startNodeStack, type NodeStack } from './node-stack.js';
import { addServerFlags, controlPlaneOptions, untilSignal, type ServerFlags } from './server-flags.js';

interface UpFlags extends ServerFlags {
  nodes: string;
  runtime: string;
  stopPods?: boolean;
}

export function registerUp(program: Command): void {
  addServerFlags(program.command('up').description('run a local gitplane cluster'))
    .option('--nodes <n>', 'node agents to run', '1')
    .option('--runtime <runtime>', 'container runtime of the nodes: process, runc or simulated', 'process')
    .option('--stop-pods', 'stop the pods on Ctrl-C (default: leave them running for the next start to adopt)')
    .action(async (flags: UpFlags) => {
      const nodes = Number(flags.nodes);
      if (!Number.isInteger(nodes) || nodes < 0) throw new Error(`--nodes must be a non-negative integer, not ${flags.nodes}`);
      if (!['process', 'runc', 'simulated'].includes(flags.runtime)) throw new Error(`--runtime must be process, runc or simulated, not ${flags.runtime}`);
      const bridge = flags.runtime !== 'simulated' && (await bridgeAvailable());
      const cp = await startControlPlane({
        ...controlPlaneOptions(flags),
        // Without network namespaces, Services live on loopback addresses.
        ...(flags.runtime !== 'simulated' && !bridge ? { serviceCidr: '127.96.0.0/16' } : {}),
      });
      const client = createClient(
        inProcessTransport(cp.api.handler, cp.adminToken ? { headers: { authorization: `Bearer ${cp.adminToken}` } } : {}),
        { userAgent: 'gitplane-up' },
      );
      const manager = startControllerManager({
        client,
        extra: [(ctx) => newScheduler(ctx)],
        leaderElection: { identity: `gitplane-up-${process.pid}` },
      });
      const stacks: NodeStack[] = [];
      let sim: Awaited<ReturnType<typeof startSimulatedNodes>> | undefined;
      if (flags.runtime === 'simulated') {
        if (nodes > 0) sim = await startSimulatedNodes({ client, count: nodes, namePrefix: 'node-' });
      } else {
        for (let i = 0; i < nodes; i++) {
          stacks.push(await startNodeStack({ client, nodeName: `node-${i}`, dataDir: flags.dataDir, runtime: flags.runtime as 'process' | 'runc', index: i, bridge }));
        }
      }
      const webhookSecret = loadOrCreateWebhookSecret(flags.dataDir);
      const gitops = await startGitOps({ client, dataDir: flags.dataDir, webhookSecret });
      cp.api.addRoute({ path: '/api/webhook', public: true, handler: gitops.webhookHandler });
      cp.api.addRoute({ path: '/metrics', handler: gitops.metricsHandler });
      const status = await cp.store.status();
      console.log(`store:        ${status.version}, revision ${status.header.revision}`);
      console.log(`API server:   ${cp.url}`);
      console.log(`kubeconfig:   ${cp.kubeconfig}   (export KUBECONFIG=${cp.kubeconfig})`);
      console.log('controllers:  scheduler, replicaset, deployment, daemonset, job, ttl-after-finished, cronjob, endpoint, garbagecollector, nodelifecycle, podgc');
      const nodeNames = sim ? sim.nodes : stacks.map((s) => s.agent.nodeName);
      console.log(
        `nodes:        ${nodeNames.join(', ') || 'none'} (runtime: ${flags.runtime}${stacks[0] ? `, pod network: ${stacks[0].mode === 'bridge' ? 'network namespaces on a bridge' : 'loopback addresses (limited mode)'}` : ''})`,
      );
      if (stacks[0]?.dnsAddress) console.log(`cluster DNS:  ${stacks[0].dnsAddress}:53`);
      console.log(`GitOps:       Application controller; push webhook ${cp.url}/api/webhook (secret in ${flags.dataDir}/webhook-secret), metrics ${cp.url}/metrics`);
      console.log('Press Ctrl-C to stop.');
      await untilSignal();
      await gitops.stop();
      for (const s of stacks) await s.stop({ stopPods: flags.stopPods });
      await sim?.stop();
      await manager.stop();
      client.close();
      await cp.close();
      console.log('stopped');
    });
}
