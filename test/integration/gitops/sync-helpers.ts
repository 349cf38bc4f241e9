// Shared by the sync integration suites: an in-process API server (no controllers run),
// object builders, a SyncContext reading fresh from the server, and plan/sync shorthands.

import { createClient, inProcessTransport, type Client } from '../../../src/client/index.js';
import { planSync, runSync, loadLive, liveRefsFor, type InventoryEntry, type SyncContext, type SyncPlan, type SyncSettings, type SyncState } from '../../../src/gitops/sync/index.js';
import { resourceIdOf, type DesiredObject, type KubeObject } from '../../../src/gitops/types.js';
import { systemClock } from '../../../src/util/clock.js';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';

export let cluster: TestCluster;
export let client: Client;
export const app = { namespace: 'gitplane', name: 'shop' };

export async function startCluster(): Promise<void> {
  cluster = await startTestCluster({ insecureHttp: true });
  client = createClient(inProcessTransport(cluster.api.handler));
}

export async function stopCluster(): Promise<void> {
  client?.close();
  await cluster?.close();
}

let nsCounter = 0;
export async function namespace(): Promise<string> {
  const name = `sync-${++nsCounter}`;
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

export const cm = (ns: string, name: string, data: Record<string, string> = { k: 'v' }, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  data,
});
export const deployment = (ns: string, name: string, replicas = 3, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, labels: { app: name }, ...(annotations ? { annotations } : {}) },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } },
  },
});
export const service = (ns: string, name: string, port = 80, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  spec: { selector: { app: name }, ports: [{ port, targetPort: 8080 }] },
});
export const job = (ns: string, name: string, annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: ns, annotations },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
});

export function rc(obj: { apiVersion: string; kind: string; namespace: string }) {
  const r = client.resource(obj.apiVersion, obj.kind);
  return obj.namespace ? r.namespace(obj.namespace) : r;
}
export async function get(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
  try {
    return await rc({ apiVersion, kind, namespace }).get(name);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export function context(over: Partial<SyncContext> = {}): SyncContext {
  return {
    client,
    clock: systemClock,
    getLive: (id) => get(id.group ? `${id.group}/${id.version}` : id.version!, id.kind, id.namespace, id.name),
    assessHealth: () => undefined,
    pollMs: 10,
    waveTimeoutMs: 10_000,
    ...over,
  };
}

export const inventoryOf = (objects: KubeObject[]): InventoryEntry[] =>
  objects.map((o) => ({ ...resourceIdOf(o), version: o.apiVersion.split('/').pop()! }));

export async function plan(objects: KubeObject[], opts: { inventory?: InventoryEntry[]; settings?: Partial<SyncSettings> } = {}): Promise<SyncPlan> {
  const desired: DesiredObject[] = objects.map((object, i) => ({ object, source: { file: 'app.yaml', line: i + 1 } }));
  const settings: SyncSettings = { app, prune: true, ...opts.settings };
  const inventory = opts.inventory ?? [];
  const live = await loadLive(client, liveRefsFor(desired, inventory, settings.createNamespace));
  const p = planSync({ desired, live, inventory, settings });
  if ('error' in p) throw new Error(p.error);
  return p;
}

export async function sync(objects: KubeObject[], opts: { inventory?: InventoryEntry[]; settings?: Partial<SyncSettings>; ctx?: Partial<SyncContext> } = {}): Promise<SyncState> {
  return runSync(await plan(objects, opts), context(opts.ctx));
}

export const resultOf = (state: SyncState, name: string) => state.results.find((r) => r.name === name);
