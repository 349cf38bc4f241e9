// What `app diff` compares: the app's path rendered at a revision (default its
// target) against the live objects read through the client, plus the inventory
// entries that revision no longer renders (what a sync with prune would delete).

import type { Application } from '../../api/generated/index.js';
import type { Client } from '../../client/index.js';
import { isNotFound } from '../../client/index.js';
import type { PruneDiff, ResourceDiff } from '../../gitops/diff/index.js';
import type { GitRepository } from '../../gitops/source/index.js';
import { apiVersionOf, ANNOTATIONS, resourceIdOf, resourceKey, type KubeObject, type RenderError, type ResourceId } from '../../gitops/types.js';
import { targetOf } from '../repo.js';

export interface AppDiff {
  /** The commit rendered. */
  revision: string;
  diffs: ResourceDiff[];
  prunes: PruneDiff[];
  errors: RenderError[];
  /** Objects that could not be compared (a kind the server does not serve, …). */
  warnings: string[];
}

type LiveGetter = (apiVersion: string, id: ResourceId) => Promise<KubeObject | undefined>;

export function liveGetter(client: Client): LiveGetter {
  return async (apiVersion, id) => {
    const rc = client.resource(apiVersion, id.kind);
    try {
      return (await (id.namespace ? rc.namespace(id.namespace) : rc).get(id.name)) as KubeObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}

export async function computeAppDiff(app: Application, repo: GitRepository, getLive: LiveGetter, revision?: string): Promise<AppDiff> {
  const [{ Renderer }, { diffResource, prepareForApply }, { isHook }] = await Promise.all([
    import('../../gitops/render/index.js'),
    import('../../gitops/diff/index.js'),
    import('../../gitops/controller/index.js'),
  ]);
  const appRef = { namespace: app.metadata.namespace ?? 'default', name: app.metadata.name ?? '' };
  const sha = await repo.resolveRevision(targetOf(app, revision));
  const options = new Set((app.spec.syncPolicy?.syncOptions ?? []).map((s) => s.replace(/\s+/g, '')));
  const rendered = await new Renderer().render(repo.snapshot(sha), {
    path: app.spec.source.path ?? '.',
    ...(app.spec.source.directory ? { directory: app.spec.source.directory } : {}),
    namespace: app.spec.destination.namespace ?? appRef.namespace,
    validate: !options.has('Validate=false'),
  });
  const out: AppDiff = { revision: sha, diffs: [], prunes: [], errors: rendered.errors, warnings: [] };
  if (rendered.errors.length) return out;
  const ignore = app.spec.ignoreDifferences ?? [];
  const renderedKeys = new Set<string>();
  const desired = rendered.objects.filter((d) => !isHook(d.object));
  for (const d of rendered.objects) renderedKeys.add(resourceKey(resourceIdOf(d.object)));
  await inBatches(desired, async ({ object, source }) => {
    const id = resourceIdOf(object);
    let live: KubeObject | undefined;
    try {
      live = await getLive(object.apiVersion, id);
    } catch (err) {
      out.warnings.push(`${source.file}:${source.line}: cannot read live ${object.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}: ${(err as Error).message}`);
    }
    out.diffs.push(diffResource(prepareForApply(object, appRef), live, { ignore }));
  });
  const candidates = new Map<string, { id: ResourceId; apiVersion: string }>();
  for (const e of app.status?.inventory?.entries ?? []) addCandidate(candidates, e.group ?? '', e.version, e.kind, e.namespace ?? '', e.name);
  for (const r of app.status?.resources ?? []) if (r.requiresPruning && r.kind && r.name) addCandidate(candidates, r.group ?? '', r.version ?? 'v1', r.kind, r.namespace ?? '', r.name);
  const prefix = `${appRef.namespace}_${appRef.name}:`;
  await inBatches([...candidates.entries()].filter(([key]) => !renderedKeys.has(key)), async ([key, c]) => {
    let live: KubeObject | undefined;
    try {
      live = await getLive(c.apiVersion, c.id);
    } catch (err) {
      out.warnings.push(`cannot read live ${c.id.kind} ${c.id.namespace ? `${c.id.namespace}/` : ''}${c.id.name}: ${(err as Error).message}`);
      return;
    }
    if (!live || live.metadata?.deletionTimestamp || isHook(live)) return;
    const owner = live.metadata?.annotations?.[ANNOTATIONS.trackingId];
    if (owner !== undefined && !owner.startsWith(prefix)) return; // not ours to prune
    out.prunes.push({ id: c.id, key, action: 'prune', live });
  });
  const order = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
  out.diffs.sort(order);
  out.prunes.sort(order);
  return out;
}

function addCandidate(map: Map<string, { id: ResourceId; apiVersion: string }>, group: string, version: string, kind: string, namespace: string, name: string): void {
  const id = { group, kind, namespace, name };
  map.set(resourceKey(id), { id, apiVersion: apiVersionOf({ group, version }) });
}

async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>, size = 16): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** "2 to create, 1 to change, 1 to prune" (or "no differences"). */
export function summarizeDiff(d: AppDiff): string {
  const create = d.diffs.filter((x) => x.action === 'create').length;
  const change = d.diffs.filter((x) => x.status === 'OutOfSync' && x.action !== 'create').length;
  const parts = [create ? `${create} to create` : '', change ? `${change} to change` : '', d.prunes.length ? `${d.prunes.length} to prune` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no differences';
}

export function hasDifferences(d: AppDiff): boolean {
  return d.prunes.length > 0 || d.diffs.some((x) => x.status === 'OutOfSync');
}
