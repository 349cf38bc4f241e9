// A plain directory source, as Argo CD reads one: every .yaml, .yml and .json file under
// the path (subdirectories with recurse), hidden files and directories skipped, filtered
// by the include/exclude globs (matched on the path relative to the source or the name).

import type { FileEntry } from '../types.js';
import type { RenderContext } from './context.js';
import { matchesGlob } from './glob.js';
import { KUSTOMIZATION_FILES } from './kustomize/files.js';
import { loadResources } from './load.js';
import type { DirectoryOptions } from './options.js';
import { baseName, isHidden, relativeTo } from './paths.js';
import type { Resource } from './resource.js';

const MANIFEST = /\.(ya?ml|json)$/;

/** The manifest files of `dir` the directory options select, sorted by path. */
export async function manifestFiles(ctx: RenderContext, dir: string, options: DirectoryOptions = {}): Promise<FileEntry[]> {
  const entries = await ctx.list(dir, options.recurse === true);
  return entries.filter((entry) => {
    const rel = relativeTo(dir, entry.path);
    const name = baseName(entry.path);
    if (!MANIFEST.test(name) || isHidden(rel)) return false;
    // A kustomization is not a Kubernetes object; in a plain directory it is not rendered.
    if (KUSTOMIZATION_FILES.includes(name)) return false;
    if (options.include && !matchesGlob(options.include, rel, name)) return false;
    if (options.exclude && matchesGlob(options.exclude, rel, name)) return false;
    return true;
  });
}

/** Resources of every selected file of `dir`, in path order. */
export async function renderDirectory(ctx: RenderContext, dir: string, options: DirectoryOptions = {}, origin = ''): Promise<Resource[]> {
  const files = await manifestFiles(ctx, dir, options);
  const parsed = await ctx.parseAll(files);
  const out: Resource[] = [];
  files.forEach((f, i) => {
    const p = parsed[i];
    if (p !== undefined) out.push(...loadResources(ctx, f.path, p, origin));
  });
  return out;
}
