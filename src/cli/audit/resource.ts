// `audit --resource Kind/ns/name`: keep only the commits that changed that
// object's rendered form. Each commit and its first parent are rendered (the
// Renderer caches parsed files by blob id, so unchanged files cost nothing)
// and the object compared; the commit is marked added, changed or removed.

import type { Application } from '../../api/generated/index.js';
import type { GitRepository } from '../../gitops/source/index.js';
import type { KubeObject } from '../../gitops/types.js';
import type { AuditEntry, Change } from './join.js';

export interface ResourceRef {
  kind: string;
  /** undefined for "Kind/name": cluster-scoped, or the app's destination namespace. */
  namespace?: string;
  name: string;
}

/** "Deployment/web/frontend" or "Namespace/web"; undefined when malformed. */
export function parseResourceRef(text: string): ResourceRef | undefined {
  const parts = text.split('/');
  if (parts.some((p) => p === '')) return undefined;
  if (parts.length === 3) return { kind: parts[0]!, namespace: parts[1]!, name: parts[2]! };
  if (parts.length === 2) return { kind: parts[0]!, name: parts[1]! };
  return undefined;
}

export function matchesRef(obj: KubeObject, ref: ResourceRef, destination: string): boolean {
  if (obj.kind?.toLowerCase() !== ref.kind.toLowerCase() || obj.metadata?.name !== ref.name) return false;
  const ns = obj.metadata?.namespace ?? '';
  return ref.namespace === undefined ? ns === '' || ns === destination : ns === ref.namespace;
}

/** added/changed/removed between the object's form before and after, or undefined when the same. */
export function classifyChange(before: string | undefined, after: string | undefined): Change | undefined {
  if (before === after) return undefined;
  if (before === undefined) return 'added';
  if (after === undefined) return 'removed';
  return 'changed';
}

/** The entries whose commit changed the object, each with its `change`. */
export async function filterByResource(entries: AuditEntry[], app: Application, repo: GitRepository, ref: ResourceRef): Promise<AuditEntry[]> {
  const [{ Renderer }, { stableStringify }] = await Promise.all([import('../../gitops/render/index.js'), import('../../gitops/diff/index.js')]);
  const renderer = new Renderer();
  const destination = app.spec.destination.namespace ?? app.metadata.namespace ?? 'default';
  const forms = new Map<string, Promise<string | undefined>>();
  const formAt = (sha: string | undefined): Promise<string | undefined> => {
    if (!sha) return Promise.resolve(undefined);
    let hit = forms.get(sha);
    if (!hit) {
      hit = renderer
        .render(repo.snapshot(sha), {
          path: app.spec.source.path ?? '.',
          ...(app.spec.source.directory ? { directory: app.spec.source.directory } : {}),
          namespace: destination,
          validate: false,
        })
        .then((r) => {
          const found = r.objects.find((d) => matchesRef(d.object, ref, destination));
          return found ? stableStringify(found.object) : undefined;
        });
      forms.set(sha, hit);
    }
    return hit;
  };
  const out: AuditEntry[] = [];
  for (const e of entries) {
    const change = classifyChange(await formAt(e.parents[0]), await formAt(e.commit));
    if (change) out.push({ ...e, change });
  }
  return out;
}
