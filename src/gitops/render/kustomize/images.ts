// kustomize's `images` transformer: for every container and init container whose image
// name matches an entry, swap in newName, newTag and/or digest. An image reference is
// name[:tag][@digest], where a ":" before the last "/" belongs to a registry port.

import type { RenderContext } from '../context.js';
import type { Resource } from '../resource.js';
import { containersOf, podSpecsOf } from './field-specs.js';
import { lineIn, type Kustomization } from './kustomization.js';

export interface ImageRef {
  name: string;
  tag?: string;
  digest?: string;
}

export function parseImage(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function formatImage(ref: ImageRef): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** The image after applying `entry` (which must match its name). */
export function replaceImage(image: string, entry: ImageEntry): string {
  const ref = parseImage(image);
  const out: ImageRef = { name: entry.newName ?? ref.name };
  if (entry.newTag !== undefined || entry.digest !== undefined) {
    if (entry.newTag !== undefined) out.tag = entry.newTag;
    if (entry.digest !== undefined) out.digest = entry.digest;
  } else {
    if (ref.tag !== undefined) out.tag = ref.tag;
    if (ref.digest !== undefined) out.digest = ref.digest;
  }
  return formatImage(out);
}

function readEntries(ctx: RenderContext, k: Kustomization): ImageEntry[] {
  const raw = (k.value.images as unknown[] | undefined) ?? [];
  const entries: ImageEntry[] = [];
  raw.forEach((item, i) => {
    const e = item as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || e.name === '') {
      ctx.error(k.file, { line: lineIn(k, `images[${i}]`), field: `images[${i}].name`, message: 'Required value' });
      return;
    }
    const entry: ImageEntry = { name: e.name };
    for (const field of ['newName', 'newTag', 'digest'] as const) {
      const v = e[field];
      if (v === undefined || v === null) continue;
      if (typeof v === 'object') {
        ctx.error(k.file, { line: lineIn(k, `images[${i}].${field}`), field: `images[${i}].${field}`, message: 'must be a string' });
        continue;
      }
      entry[field] = String(v);
    }
    entries.push(entry);
  });
  return entries;
}

export function applyImages(ctx: RenderContext, k: Kustomization, resources: Resource[]): void {
  const entries = readEntries(ctx, k);
  if (entries.length === 0) return;
  for (const r of resources) {
    for (const podSpec of podSpecsOf(r.object, r.object.kind)) {
      for (const container of containersOf(podSpec)) {
        if (typeof container.image !== 'string') continue;
        const name = parseImage(container.image).name;
        const entry = entries.find((e) => e.name === name);
        if (entry === undefined) continue;
        container.image = replaceImage(container.image, entry);
        r.pristine = false;
      }
    }
  }
}
