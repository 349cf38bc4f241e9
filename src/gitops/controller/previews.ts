// Branch previews (an ApplicationSet-like generator on one app): every branch
// matching spec.previews.branches gets a child Application deploying it into
// its own namespace; when the branch is deleted or merged into the tracked
// branch, the child app and its namespace are deleted.

import type { Application, PreviewStatus } from '../../api/generated/index.js';
import { isNotFound, type Client } from '../../client/index.js';
import type { GitRepository } from '../source/index.js';

export const PREVIEW_OF_LABEL = 'gitplane.io/preview-of';
export const PREVIEW_BRANCH_ANNOTATION = 'gitplane.io/preview-branch';
export const RESOURCES_FINALIZER = 'gitplane.io/resources-finalizer';

/** A glob on branch names: `*` within a path segment, `**` across segments, `?` one character. */
export function branchGlob(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A DNS-1123 label from a branch name: "feature/Login_v2" → "feature-login-v2". */
export function slugify(branch: string, max = 40): string {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return slug.slice(0, max).replace(/-$/, '') || 'branch';
}

export function previewNamespace(app: Application, branch: string): string {
  const template = app.spec.previews?.namespaceTemplate ?? '{{app}}-{{branch}}';
  return template.replace(/\{\{\s*app\s*\}\}/g, app.metadata.name!).replace(/\{\{\s*branch\s*\}\}/g, slugify(branch)).slice(0, 63).replace(/-$/, '');
}

function childApp(app: Application, branch: string, namespace: string): Application {
  const name = `${app.metadata.name!}-${slugify(branch)}`.slice(0, 63).replace(/-$/, '');
  const { previews: _previews, ...spec } = app.spec;
  const options = new Set(spec.syncPolicy?.syncOptions ?? []);
  options.add('CreateNamespace=true');
  return {
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: app.metadata.namespace ?? 'default',
      labels: { [PREVIEW_OF_LABEL]: app.metadata.name! },
      annotations: { [PREVIEW_BRANCH_ANNOTATION]: branch },
      finalizers: [RESOURCES_FINALIZER],
      ownerReferences: [{ apiVersion: 'gitplane.io/v1alpha1', kind: 'Application', name: app.metadata.name!, uid: app.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...spec,
      source: { ...spec.source, targetRevision: branch },
      destination: { namespace },
      syncPolicy: { ...spec.syncPolicy, automated: { prune: true, selfHeal: true, ...spec.syncPolicy?.automated }, syncOptions: [...options] },
    },
  };
}

/**
 * Make the preview apps match the branches; returns status.previews. Merged means the
 * branch's head is in the tracked branch's history (and, for a fast-forward, that the
 * tracked branch moved onto it since the preview was made).
 */
export async function reconcilePreviews(client: Client, app: Application, repo: GitRepository, targetSha: string): Promise<PreviewStatus[]> {
  const patterns = (app.spec.previews?.branches ?? []).map(branchGlob);
  const apps = client.applications.namespace(app.metadata.namespace ?? 'default');
  const existing = (await apps.list({ labelSelector: `${PREVIEW_OF_LABEL}=${app.metadata.name!}` })).items;
  const before = new Map((app.status?.previews ?? []).map((p) => [p.branch, p]));
  const wanted: PreviewStatus[] = [];
  for (const { name: branch, sha } of await repo.branches()) {
    if (!patterns.some((p) => p.test(branch))) continue;
    const previous = before.get(branch) as PreviewStatus | undefined;
    const merged = sha === targetSha ? previous !== undefined && previous.baseRevision !== undefined && previous.baseRevision !== targetSha : await repo.isAncestor(sha, targetSha);
    if (merged) continue;
    const namespace = previewNamespace(app, branch);
    const child = childApp(app, branch, namespace);
    const found = existing.find((a) => a.metadata.name! === child.metadata.name);
    if (!found) await apps.create(child);
    else if (JSON.stringify(found.spec) !== JSON.stringify(child.spec)) await apps.update({ ...found, spec: child.spec });
    wanted.push({ branch, application: child.metadata.name, namespace, revision: sha, ...(sha !== targetSha || previous ? { baseRevision: previous?.baseRevision ?? targetSha } : { baseRevision: targetSha }) });
  }
  for (const a of existing) {
    if (wanted.some((w) => w.application === a.metadata.name!)) continue;
    const namespace = a.spec.destination.namespace;
    await apps.delete(a.metadata.name!).catch(ignoreNotFound);
    if (namespace && namespace !== app.spec.destination.namespace) await client.namespaces.delete(namespace).catch(ignoreNotFound);
  }
  return wanted;
}

function ignoreNotFound(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}
