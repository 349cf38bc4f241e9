// `gitplane controller-manager` and `gitplane scheduler`: the control-plane
// components as their own processes, reaching the API server through a
// kubeconfig (the one `gitplane server` writes, by default), with leader
// election so several replicas can run.

import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createClient, loadKubeconfig, type Client } from '../client/index.js';
import { startControllerManager } from '../controller/manager.js';
import { newScheduler } from '../scheduler/index.js';
import { startNodeStack } from './node-stack.js';
import { untilSignal } from './server-flags.js';

interface ComponentFlags {
  kubeconfig?: string;
  dataDir: string;
  controllers?: string;
  leaderElect: boolean;
  identity?: string;
}

function clientFor(flags: ComponentFlags): Client {
  const file = flags.kubeconfig ?? path.join(flags.dataDir, 'kubeconfig');
  return createClient(loadKubeconfig(path.resolve(file)).transport, { userAgent: 'gitplane-component' });
}

function withFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig of the API server (default: <data-dir>/kubeconfig)')
    .option('--data-dir <dir>', 'the cluster data directory', '.gitplane')
    .option('--no-leader-elect', 'run without electing a leader (only one replica!)')
    .option('--identity <id>', 'leader-election identity', `${os.hostname()}-${process.pid}`);
}

export function registerComponents(program: Command): void {
  withFlags(program.command('controller-manager').description('run the controllers (replicaset, deployment, daemonset, job, cronjob, endpoint, garbagecollector, nodelifecycle, podgc)'))
    .option('--controllers <names>', 'comma-separated controllers to run (default: all)')
    .action(async (flags: ComponentFlags) => {
      const client = clientFor(flags);
      const manager = startControllerManager({
        client,
        controllers: flags.controllers?.split(',').filter(Boolean),
        leaderElection: flags.leaderElect ? { identity: flags.identity!, name: 'gitplane-controller-manager' } : false,
      });
      await untilSignal();
      await manager.stop();
      client.close();
    });

  withFlags(program.command('scheduler').description('run the scheduler')).action(async (flags: ComponentFlags) => {
    const client = clientFor(flags);
    const manager = startControllerManager({
      client,
      controllers: [],
      extra: [(ctx) => newScheduler(ctx)],
      component: 'gitplane-scheduler',
      leaderElection: flags.leaderElect ? { identity: flags.identity!, name: 'gitplane-scheduler' } : false,
    });
    await untilSignal();
    await manager.stop();
    client.close();
  });
}

interface NodeFlags {
  kubeconfig?: string;
  dataDir: string;
  nodeName: string;
  runtime: string;
  index: string;
  maxPods: string;
  stopPods?: boolean;
}

export function registerNode(program: Command): void {
  program
    .command('node')
    .description('run a node agent (with the service proxy and, on --index 0, cluster DNS)')
    .option('--kubeconfig <file>', 'kubeconfig of the API server (default: <data-dir>/kubeconfig)')
    .option('--data-dir <dir>', 'where the node keeps its state', '.gitplane')
    .option('--node-name <name>', 'the Node to register', os.hostname())
    .option('--runtime <runtime>', 'process or runc', 'process')
    .option('--index <n>', 'node number on this host (picks its pod CIDR; 0 also serves the proxy and DNS)', '0')
    .option('--max-pods <n>', 'pods the node accepts (as kubelet --max-pods)', '110')
    .option('--stop-pods', 'stop the pods when the agent stops')
    .action(async (flags: NodeFlags) => {
      if (flags.runtime !== 'process' && flags.runtime !== 'runc') throw new Error(`--runtime must be process or runc, not ${flags.runtime}`);
      const client = clientFor({ ...flags, leaderElect: false });
      const stack = await startNodeStack({ client, nodeName: flags.nodeName, dataDir: flags.dataDir, runtime: flags.runtime, index: Number(flags.index), maxPods: Number(flags.maxPods) });
      console.log(`node ${flags.nodeName}: runtime ${flags.runtime}, pod network ${stack.mode}, logs on 127.0.0.1:${stack.agent.logServerPort}`);
      await untilSignal();
      await stack.stop({ stopPods: flags.stopPods });
      client.close();
    });
}
