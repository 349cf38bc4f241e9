// `gitplane up`: run a local cluster from a data directory: the store, the
// API server, the scheduler and controllers (in this process, through the
// in-process client) and N node agents. Node agents run the simulated
// runtime today; the process and runc runtimes arrive with the node agent.

import type { Command } from 'commander';
import { createClient, inProcessTransport } from '../client/index.js';
import { startControllerManager } from '../controller/manager.js';
import { startSimulatedNodes } from '../node/simulated/index.js';
import { newScheduler } from '../scheduler/index.js';
import { startControlPlane } from './control-plane.js';
import { addServerFlags, controlPlaneOptions, untilSignal, type ServerFlags } from './server-flags.js';

interface UpFlags extends ServerFlags {
  nodes: string;
  runtime: string;
}

export function registerUp(program: Command): void {
  addServerFlags(program.command('up').description('run a local gitplane cluster'))
    .option('--nodes <n>', 'node agents to run', '1')
    .option('--runtime <runtime>', 'container runtime of the nodes: simulated (process and runc arrive with the node agent)', 'simulated')
    .action(async (flags: UpFlags) => {
      const nodes = Number(flags.nodes);
      if (!Number.isInteger(nodes) || nodes < 0) throw new Error(`--nodes must be a non-negative integer, not ${flags.nodes}`);
      if (flags.runtime !== 'simulated') throw new Error(`--runtime ${flags.runtime} is not available yet; use --runtime simulated`);
      const cp = await startControlPlane(controlPlaneOptions(flags));
      const client = createClient(
        inProcessTransport(cp.api.handler, cp.adminToken ? { headers: { authorization: `Bearer ${cp.adminToken}` } } : {}),
        { userAgent: 'gitplane-up' },
      );
      const manager = startControllerManager({
        client,
        extra: [(ctx) => newScheduler(ctx)],
        leaderElection: { identity: `gitplane-up-${process.pid}` },
      });
      const sim = nodes > 0 ? await startSimulatedNodes({ client, count: nodes, namePrefix: 'node-' }) : undefined;
      const status = await cp.store.status();
      console.log(`store:        ${status.version}, revision ${status.header.revision}`);
      console.log(`API server:   ${cp.url}`);
      console.log(`kubeconfig:   ${cp.kubeconfig}   (export KUBECONFIG=${cp.kubeconfig})`);
      console.log('controllers:  scheduler, replicaset, deployment, daemonset, job, cronjob, endpoint, garbagecollector, nodelifecycle, podgc');
      console.log(`nodes:        ${sim ? sim.nodes.join(', ') : 'none'} (runtime: simulated — pods are scheduled and reported Running, no processes start)`);
      console.log('not yet running: the process/runc node agents, service proxy, DNS and GitOps sync. Press Ctrl-C to stop.');
      await untilSignal();
      await sim?.stop();
      await manager.stop();
      client.close();
      await cp.close();
      console.log('stopped');
    });
}
