// `gitplane controller-manager`, `gitplane scheduler` and `gitplane node`:
// the components as their own processes, reaching the API server through a
// kubeconfig (the one `gitplane server` writes, by default) or, on another
// machine, through --server/--token/--ca-file (see client-flags.ts), with
// leader election so several controller-manager or scheduler replicas can run.

import os from 'node:os';
import type { Command } from 'commander';
import { examples } from '../cli/command.js';
import { startControllerManager } from '../controller/manager.js';
import { newScheduler } from '../scheduler/index.js';
import { addClientFlags, clientFromFlags, type ClientFlags } from './client-flags.js';
import { startNodeStack, type NodeStack } from './node-stack.js';
import { untilSignal } from './server-flags.js';

interface ComponentFlags extends ClientFlags {
  controllers?: string;
  leaderElect: boolean;
  identity?: string;
}

function withFlags(cmd: Command): Command {
  return addClientFlags(cmd.option('--data-dir <dir>', 'the cluster data directory', '.gitplane'))
    .option('--no-leader-elect', 'run without electing a leader (only one replica!)')
    .option('--identity <id>', 'leader-election identity', `${os.hostname()}-${process.pid}`);
}

export function registerComponents(program: Command): void {
  const cm = withFlags(
    program
      .command('controller-manager')
      .description('run the controllers (replicaset, deployment, daemonset, job, cronjob, endpoint, garbagecollector, nodelifecycle, podgc)'),
  )
    .option('--controllers <names>', 'comma-separated controllers to run (default: all)')
    .action(async (flags: ComponentFlags) => {
      const client = clientFromFlags(flags, 'gitplane-controller-manager');
      const manager = startControllerManager({
        client,
        controllers: flags.controllers?.split(',').filter(Boolean),
        leaderElection: flags.leaderElect ? { identity: flags.identity!, name: 'gitplane-controller-manager' } : false,
      });
      await untilSignal();
      await manager.stop();
      client.close();
    });
  examples(cm, [
    '# next to `gitplane server`, through <data-dir>/kubeconfig',
    'gitplane controller-manager --data-dir .gitplane',
    '# a second replica on another machine (it waits for the leader lease)',
    'gitplane controller-manager --server https://10.0.0.1:6443 --token "$TOKEN" --ca-file ca.crt',
    '# only some controllers, without leader election',
    'gitplane controller-manager --controllers replicaset,deployment --no-leader-elect',
  ]);

  const scheduler = withFlags(program.command('scheduler').description('run the scheduler')).action(async (flags: ComponentFlags) => {
    const client = clientFromFlags(flags, 'gitplane-scheduler');
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
  examples(scheduler, [
    'gitplane scheduler --data-dir .gitplane',
    'gitplane scheduler --kubeconfig ~/.kube/gitplane.yaml',
    'gitplane scheduler --server https://10.0.0.1:6443 --token "$TOKEN" --ca-file ca.crt',
  ]);

  // `gitplane gitops` (gitops.ts, registered later) builds its client with
  // clientFromFlags too; its connection flags and examples are added here when
  // it is the verb run (`gitplane gitops …`) or its help is shown (`gitplane help gitops`).
  program.hook('preSubcommand', (_program, sub) => {
    if (sub.name() === 'gitops') decorateGitOps(sub);
  });
  program.on('beforeAllHelp', (ctx: { command: Command }) => {
    if (ctx.command.name() === 'gitops') decorateGitOps(ctx.command);
  });
}

const decorated = new WeakSet<Command>();

function decorateGitOps(cmd: Command): void {
  if (decorated.has(cmd)) return;
  decorated.add(cmd);
  addClientFlags(cmd);
  examples(cmd, [
    '# next to `gitplane server`, through <data-dir>/kubeconfig',
    'gitplane gitops --data-dir .gitplane --port 8089',
    '# against a server on another machine',
    'gitplane gitops --server https://10.0.0.1:6443 --token "$TOKEN" --ca-file ca.crt',
    '# the webhook secret from the environment',
    'GITPLANE_WEBHOOK_SECRET=s3cret gitplane gitops',
  ]);
}

interface NodeFlags extends ClientFlags {
  nodeName: string;
  runtime: string;
  index: string;
  maxPods: string;
  stopPods?: boolean;
}

export function registerNode(program: Command): void {
  const node = addClientFlags(
    program
      .command('node')
      .description('run a node agent (with the service proxy and, on --index 0, cluster DNS)')
      .option('--data-dir <dir>', 'where the node keeps its state', '.gitplane'),
  )
    .option('--node-name <name>', 'the Node to register', os.hostname())
    .option('--runtime <runtime>', 'process or runc', 'process')
    .option('--index <n>', 'node number on this host (picks its pod CIDR; 0 also serves the proxy and DNS)', '0')
    .option('--max-pods <n>', 'pods the node accepts (as kubelet --max-pods)', '110')
    .option('--stop-pods', 'stop the pods when the agent stops')
    .action(async (flags: NodeFlags) => {
      if (flags.runtime !== 'process' && flags.runtime !== 'runc') throw new Error(`--runtime must be process or runc, not ${flags.runtime}`);
      const index = Number(flags.index);
      if (!Number.isInteger(index) || index < 0) throw new Error(`--index must be a non-negative integer, not ${flags.index}`);
      const maxPods = Number(flags.maxPods);
      if (!Number.isInteger(maxPods) || maxPods < 1) throw new Error(`--max-pods must be a positive integer, not ${flags.maxPods}`);
      const client = clientFromFlags(flags, 'gitplane-node');
      let stack: NodeStack;
      try {
        stack = await startNodeStack({ client, nodeName: flags.nodeName, dataDir: flags.dataDir, runtime: flags.runtime, index, maxPods });
      } catch (err) {
        client.close();
        throw err;
      }
      console.log(
        `node ${flags.nodeName}: joined ${flags.server ?? 'the cluster of the kubeconfig'}; runtime ${flags.runtime}, pod network ${stack.mode}, logs on 127.0.0.1:${stack.agent.logServerPort}`,
      );
      await untilSignal();
      await stack.stop({ stopPods: flags.stopPods });
      client.close();
    });
  examples(node, [
    '# on the machine running `gitplane server`, through <data-dir>/kubeconfig',
    'gitplane node --data-dir .gitplane --node-name node-1 --index 1',
    '# on another machine: make a join token on the server first',
    'gitplane token create --data-dir .gitplane --name worker-1 --ttl 24h',
    '# then, with the CA certificate copied from <data-dir>/pki/ca.crt',
    'gitplane node --server https://10.0.0.1:6443 --token "$TOKEN" --ca-file ca.crt --node-name worker-1',
    '# a throwaway test cluster, without verifying the server certificate',
    'gitplane node --server https://10.0.0.1:6443 --token "$TOKEN" --insecure-skip-tls-verify',
  ]);
}
