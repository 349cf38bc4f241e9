// kustomize build for the subset gitplane supports: accumulate resources (files, plain
// directories, nested kustomizations such as ../base), add generated ConfigMaps and
// Secrets, patch, then namespace, names, labels, annotations and images, in that order.

import type { RenderContext } from '../context.js';
import { renderDirectory } from '../directory.js';
import { loadResources } from '../load.js';
import { joinPath } from '../paths.js';
import type { Resource } from '../resource.js';
import { findKustomizationFile } from './files.js';
import { runGenerators } from './generators.js';
import { applyImages } from './images.js';
import { lineIn, loadKustomization, type Kustomization } from './kustomization.js';
import { applyPatches } from './patches.js';
import { addHashSuffixes, fixReferences } from './references.js';
import { addCommonAnnotations, addCommonLabels, addNamePrefixSuffix, setNamespace } from './transforms.js';

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/i;

async function accumulate(ctx: RenderContext, k: Kustomization, stack: string[]): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const field of ['resources', 'bases'] as const) {
    const entries = (k.value[field] as unknown[] | undefined) ?? [];
    for (const [i, entry] of entries.entries()) {
      const at = `${field}[${i}]`;
      const fail = (message: string) => ctx.error(k.file, { line: lineIn(k, at), field: at, message });
      if (typeof entry !== 'string' || entry === '') {
        fail('must be a file or directory path');
        continue;
      }
      if (REMOTE.test(entry)) {
        fail(`remote resource "${entry}" is not supported: vendor it into the repository`);
        continue;
      }
      const path = joinPath(k.dir, entry);
      if (path === undefined) {
        fail(`resource "${entry}" points outside the repository`);
        continue;
      }
      const parsed = await ctx.parse(path);
      if (parsed !== undefined) {
        out.push(...loadResources(ctx, path, parsed, k.dir));
        continue;
      }
      if ((await findKustomizationFile(ctx, path)) !== undefined) {
        if (stack.includes(path)) {
          fail(`cycle: ${[...stack, path].map((p) => p || '.').join(' → ')}`);
          continue;
        }
        out.push(...(await buildLevel(ctx, path, [...stack, path])));
        continue;
      }
      if ((await ctx.list(path, true)).length > 0) {
        out.push(...(await renderDirectory(ctx, path, {}, path)));
        continue;
      }
      fail(`resource "${entry}" not found: no such file or directory`);
    }
  }
  return out;
}

/** One kustomization level, without the build-wide final steps (hash suffixes, references). */
async function buildLevel(ctx: RenderContext, dir: string, stack: string[]): Promise<Resource[]> {
  const k = await loadKustomization(ctx, dir);
  if (k === undefined) return [];
  let resources = await accumulate(ctx, k, stack);
  resources.push(...(await runGenerators(ctx, k)));
  resources = await applyPatches(ctx, k, resources);
  const v = k.value;
  if (typeof v.namespace === 'string' && v.namespace !== '') setNamespace(resources, v.namespace);
  addNamePrefixSuffix(resources, typeof v.namePrefix === 'string' ? v.namePrefix : '', typeof v.nameSuffix === 'string' ? v.nameSuffix : '');
  if (v.commonLabels) addCommonLabels(resources, v.commonLabels as Record<string, unknown>);
  if (v.commonAnnotations) addCommonAnnotations(resources, v.commonAnnotations as Record<string, unknown>);
  applyImages(ctx, k, resources);
  return resources;
}

/** `kustomize build dir`: every resource, generated names hashed and references fixed. */
export async function buildKustomization(ctx: RenderContext, dir: string): Promise<Resource[]> {
  const resources = await buildLevel(ctx, dir, [dir]);
  addHashSuffixes(resources);
  fixReferences(resources);
  return resources;
}
