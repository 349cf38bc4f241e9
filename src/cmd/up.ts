// `gitplane up`: a whole local cluster synced from Git, in this process — the
// store, API server, scheduler and controllers, N nodes (the first also runs
// the service proxy and cluster DNS), and the GitOps controller with an
// Application for the repository. With no --repo, a local repository is made in
// the data dir from example-repo/. A restart with the same data dir resumes.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Application } from '../api/generated/index.js';
import { createClient, inProcessTransport, isNotFound, type Client } from '../client/index.js';
import { startControllerManager } from '../controller/manager.js';
import { RESOURCES_FINALIZER } from '../gitops/controller/index.js';
import { initRepositoryFrom, openRepository } from '../gitops/source/index.js';
import { startSimulatedNodes } from '../node/simulated/index.js';
import { newScheduler } from '../scheduler/index.js';
import { startControlPlane } from './control-plane.js';
import { loadOrCreateWebhookSecret, startGitOps } from './gitops.js';
import { bridgeAvailable, startNodeStack, type NodeStack } from './node-stack.js';
import { addServerFlags, controlPlaneOptions, untilSignal, type ServerFlags } from './server-flags.js';
import { step, UpProgress } from './up-progress.js';

const EXAMPLE_REPO = fileURLToPath(new URL('../../example-repo/', import.meta.url));
const APP_NAMESPACE = 'gitplane-system';

interface UpFlags extends ServerFlags {
  nodes: string;
  runtime: string;
  keepPods?: boolean;
  stopPods?: boolean;
  podNetwork: string;
  repo?: string;
  path?: string;
  revision?: string;
  app?: string;
  destNamespace?: string;
  wait: boolean;
}

export function registerUp(program: Command): void {
  addServerFlags(program.command('up').description('run a local gitplane cluster synced from a Git repository'))
    .option('--repo <path|url>', 'Git repository to sync (default: a repository made in the data dir from example-repo/)')
    .option('--path <dir>', 'directory of manifests inside the repository', '.')
    .option('--revision <rev>', 'branch, tag or commit to sync', 'HEAD')
    .option('--app <name>', 'name of the Application (default: "example", or the repository name)')
    .option('--dest-namespace <ns>', 'namespace for manifests that set none (default: "demo" for the example, else "default")')
    .option('--nodes <n>', 'node agents to run', '1')
    .option('--runtime <runtime>', 'container runtime of the nodes: process, runc or simulated', 'process')
    .option('--pod-network <mode>', 'auto, bridge (a network namespace per pod; root) or loopback (a 127.x address per pod)', 'auto')
    .option('--keep-pods', 'leave pods running on Ctrl-C, for the next start to adopt (default: stop them)')
    .option('--stop-pods', 'on Ctrl-C, stop pods as a node shutdown does (pods fail, their network namespaces are removed; the next start creates new pods)')
    .option('--no-wait', 'do not wait for the first sync before printing the summary')
    .addHelpText(
      'after',
      `
Examples:
  # the example application, synced from a repository made in .gitplane/example-repo
  gitplane up

  # your own repository (a local path is read in place; an https URL is cloned)
  gitplane up --repo ~/src/deploy --path k8s/prod --dest-namespace prod

  # three simulated nodes (no processes), on etcd
  gitplane up --nodes 3 --runtime simulated --store etcd --etcd-endpoints http://127.0.0.1:2379`,
    )
    .action(async (flags: UpFlags) => {
      const nodes = Number(flags.nodes);
      if (!Number.isInteger(nodes) || nodes < 0) throw new Error(`--nodes must be a non-negative integer, not ${flags.nodes}`);
      if (!['process', 'runc', 'simulated'].includes(flags.runtime)) throw new Error(`--runtime must be process, runc or simulated, not ${flags.runtime}`);
      const dataDir = path.resolve(flags.dataDir);
      const progress = new UpProgress();
      // What has started so far, stopped in reverse if a later step fails (then the error is reported).
      const started: Array<() => Promise<void>> = [];
      const unwind = async (): Promise<void> => {
        for (const stop of started.reverse()) await stop().catch(() => undefined);
      };
      try {
        if (flags.keepPods && flags.stopPods) throw new Error('--keep-pods and --stop-pods contradict each other');
        if (!['auto', 'bridge', 'loopback'].includes(flags.podNetwork)) throw new Error(`--pod-network must be auto, bridge or loopback, not ${flags.podNetwork}`);
        const canBridge = flags.runtime !== 'simulated' && (await bridgeAvailable());
        if (flags.podNetwork === 'bridge' && !canBridge) throw new Error('--pod-network bridge needs root and the ip command');
        const bridge = flags.podNetwork === 'loopback' ? false : canBridge;

        const cp = await step(progress, 'store and API server', async () => {
          const plane = await startControlPlane({
            ...controlPlaneOptions(flags),
            dataDir,
            // Without network namespaces, Services live on loopback addresses.
            ...(flags.runtime !== 'simulated' && !bridge ? { serviceCidr: '127.96.0.0/16' } : {}),
          });
          const status = await plane.store.status();
          return { value: plane, detail: `${plane.url}, ${status.version} store at revision ${status.header.revision}` };
        });
        started.push(() => cp.close());
        const client = createClient(
          inProcessTransport(cp.api.handler, cp.adminToken ? { headers: { authorization: `Bearer ${cp.adminToken}` } } : {}),
          { userAgent: 'gitplane-up' },
        );
        started.push(async () => client.close());
        const manager = await step(progress, 'scheduler and controllers', async () => ({
          value: startControllerManager({ client, extra: [(ctx) => newScheduler(ctx)], leaderElection: { identity: `gitplane-up-${process.pid}` } }),
          detail: 'replicaset, deployment, daemonset, job, cronjob, endpoint, garbagecollector, nodelifecycle, podgc',
        }));
        started.push(() => manager.stop());
        const stacks: NodeStack[] = [];
        let sim: Awaited<ReturnType<typeof startSimulatedNodes>> | undefined;
        started.push(async () => {
          for (const s of stacks) await s.stop({ restartPods: true });
          await sim?.stop();
        });
        await step(progress, `${nodes} node${nodes === 1 ? '' : 's'} (${flags.runtime})`, async () => {
          if (flags.runtime === 'simulated') {
            if (nodes > 0) sim = await startSimulatedNodes({ client, count: nodes, namePrefix: 'node-' });
            return { value: undefined, detail: sim?.nodes.join(', ') ?? 'none' };
          }
          for (let i = 0; i < nodes; i++) {
            stacks.push(await startNodeStack({ client, nodeName: `node-${i}`, dataDir, runtime: flags.runtime as 'process' | 'runc', index: i, bridge }));
          }
          const network = stacks[0] ? (stacks[0].mode === 'bridge' ? 'network namespaces on a bridge' : 'loopback addresses (limited mode, not root)') : 'none';
          return { value: undefined, detail: `${stacks.map((s) => s.agent.nodeName).join(', ') || 'none'}; pod network: ${network}${stacks[0]?.dnsAddress ? `; cluster DNS ${stacks[0].dnsAddress}:53` : ''}` };
        });
        const webhookSecret = loadOrCreateWebhookSecret(dataDir);
        const gitops = await step(progress, 'GitOps controller', async () => {
          const controller = await startGitOps({ client, dataDir, webhookSecret });
          cp.api.addRoute({ path: '/api/webhook', public: true, handler: controller.webhookHandler });
          cp.api.addRoute({ path: '/metrics', handler: controller.metricsHandler });
          return { value: controller, detail: `push webhook ${cp.url}/api/webhook` };
        });
        started.push(() => gitops.stop());
        const source = await step(progress, 'Git repository', async () => {
          const s = await ensureSource(flags, dataDir);
          return { value: s, detail: `${s.repoURL}${s.created ? ' (new, first commit by "gitplane example")' : ''}` };
        });
        const appName = await step(progress, 'Application', async () => {
          const name = await ensureApplication(client, flags, source);
          return { value: name, detail: `${APP_NAMESPACE}/${name} ← ${source.repoURL}, path ${flags.path ?? '.'}, into namespace ${source.destination}` };
        });
        if (flags.wait) {
          await step(progress, `first sync of ${appName}`, async () => ({ value: undefined, detail: await waitForApp(client, appName, 120_000, () => gitops.reconciledAt(APP_NAMESPACE, appName) !== undefined) }));
        }

        const kubeconfig = cp.kubeconfig;
        const cli = `node ${path.relative(process.cwd(), fileURLToPath(new URL('../../bin/gitplane.js', import.meta.url))) || 'bin/gitplane.js'}`;
        console.log('');
        console.log(`gitplane is up.`);
        console.log(`  API server:  ${cp.url}`);
        console.log(`  kubeconfig:  ${kubeconfig}`);
        console.log(`               export KUBECONFIG=${kubeconfig}; kubectl get pods -n ${source.destination}`);
        console.log(`  repository:  ${source.repoURL}`);
        if (source.local) {
          console.log(`               commit there and watch it converge, e.g.:`);
          console.log(`               cd ${source.repoURL} && sed -i 's/Hello from gitplane/Hello again/' base/settings.yaml && git commit -am "new greeting"`);
        }
        console.log(`  syncing:     Application ${appName} (${APP_NAMESPACE}): ${cli} app get ${appName}  |  ${cli} app history ${appName}`);
        if (source.example) console.log(`  the app:     curl http://127.0.0.1:30080/   (the web Service's NodePort)`);
        console.log(`  metrics:     ${cp.url}/metrics   webhook secret: ${path.join(dataDir, 'webhook-secret')}`);
        console.log(`Press Ctrl-C to stop${flags.keepPods ? ' (pods keep running for the next start)' : flags.stopPods ? ' (pods are stopped and removed)' : ' (pods are stopped and start again on the next start)'}.`);

        await untilSignal();
        console.log('stopping…');
        await gitops.stop();
        for (const s of stacks) await s.stop(flags.keepPods ? {} : flags.stopPods ? { stopPods: true } : { restartPods: true });
        await sim?.stop();
        await manager.stop();
        client.close();
        await cp.close();
        console.log('stopped');
      } catch (err) {
        await unwind();
        throw err;
      }
    });
}

interface Source {
  repoURL: string;
  local: boolean;
  example: boolean;
  created: boolean;
  destination: string;
}

async function ensureSource(flags: UpFlags, dataDir: string): Promise<Source> {
  if (flags.repo) {
    const remote = /^https?:\/\//.test(flags.repo);
    const repoURL = remote ? flags.repo : path.resolve(flags.repo.replace(/^file:\/\//, ''));
    if (!remote && !fs.existsSync(repoURL)) throw new Error(`--repo ${flags.repo}: no such directory`);
    return { repoURL, local: !remote, example: false, created: false, destination: flags.destNamespace ?? 'default' };
  }
  const dir = path.join(dataDir, 'example-repo');
  let created = false;
  if (!fs.existsSync(path.join(dir, '.git'))) {
    await initRepositoryFrom({ template: EXAMPLE_REPO, dir, author: { name: 'gitplane example', email: 'example@gitplane.io' }, message: 'The example application, from gitplane example-repo/' });
    created = true;
  }
  return { repoURL: dir, local: true, example: true, created, destination: flags.destNamespace ?? 'demo' };
}

/** Create the Application, or bring an existing one's source in line with the flags. */
async function ensureApplication(client: Client, flags: UpFlags, source: Source): Promise<string> {
  const name = flags.app ?? (source.example ? 'example' : (path.basename(source.repoURL).replace(/\.git$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-') || 'app'));
  const apps = client.applications.namespace(APP_NAMESPACE);
  // HEAD of a local working copy is whatever branch is checked out: pin the branch it is on now,
  // so `git switch -c feature/x` in the repository does not deploy the feature branch.
  let targetRevision = flags.revision ?? 'HEAD';
  if (targetRevision === 'HEAD' && source.local) {
    const repo = await openRepository({ repoURL: source.repoURL, dataDir: os.tmpdir() });
    targetRevision = (await repo.defaultBranch()) || 'HEAD';
    await repo.close();
  }
  const spec: Application['spec'] = {
    source: { repoURL: source.repoURL, path: flags.path ?? '.', targetRevision, directory: { recurse: true } },
    destination: { namespace: source.destination },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  };
  try {
    const existing = await apps.get(name);
    const s = existing.spec.source;
    // A restart keeps the app's revision unless --revision names one.
    if (flags.revision === undefined || flags.revision === 'HEAD') spec.source.targetRevision = s.targetRevision ?? 'HEAD';
    if (s.repoURL !== spec.source.repoURL || (s.path ?? '.') !== spec.source.path || (s.targetRevision ?? 'HEAD') !== spec.source.targetRevision) {
      await apps.patch(name, { spec: { source: spec.source } }, 'merge');
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await apps.create({ apiVersion: 'gitplane.io/v1alpha1', kind: 'Application', metadata: { name, namespace: APP_NAMESPACE, finalizers: [RESOURCES_FINALIZER] }, spec });
  }
  return name;
}

/** Wait until the app is Synced and Healthy (or the deadline passes); a one-line outcome. */
async function waitForApp(client: Client, name: string, timeoutMs: number, reconciled: () => boolean): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const app = await client.applications.namespace(APP_NAMESPACE).get(name).catch(() => undefined);
    const sync = app?.status?.sync?.status ?? 'Unknown';
    const health = app?.status?.health?.status ?? 'Unknown';
    const error = app?.status?.conditions?.find((c) => c.type === 'ComparisonError' || c.type === 'SyncError');
    last = `${sync}, ${health}${app?.status?.sync?.revision ? ` at ${app.status.sync.revision.slice(0, 7)}` : ''}`;
    if (error) return `${last} — ${error.type}: ${error.message.split('\n')[0]}`;
    if (sync === 'Synced' && health === 'Healthy' && reconciled()) return last;
    if (Date.now() > deadline) return `${last} (still converging; see gitplane app get ${name})`;
    await new Promise((r) => setTimeout(r, 200));
  }
}
