// The Renderer: turns a RepoSnapshot directory into DesiredObjects, through kustomize when
// the directory holds a kustomization, as a plain directory otherwise. Parsed files are
// cached by blob oid across renders; errors are collected, never thrown.

import type { RepoSnapshot } from '../types.js';
import { ParseCache } from './cache.js';
import { RenderContext } from './context.js';
import { renderDirectory } from './directory.js';
import { finalize, ValidationMemo } from './finalize.js';
import { findKustomizationFile } from './kustomize/files.js';
import { buildKustomization } from './kustomize/build.js';
import type { RendererOptions, RendererStats, RenderOptions, RenderResult } from './options.js';
import { normalizePath } from './paths.js';

export class Renderer {
  private readonly cache: ParseCache;
  private readonly memo = new ValidationMemo();

  constructor(options: RendererOptions = {}) {
    this.cache = new ParseCache(options.maxCachedFiles ?? 50_000);
  }

  /** Parse-cache counters: files parsed (misses) and served from cache (hits), since creation. */
  get stats(): RendererStats {
    return this.cache.stats;
  }

  async render(snapshot: RepoSnapshot, options: RenderOptions): Promise<RenderResult> {
    const ctx = new RenderContext(snapshot, this.cache);
    const path = normalizePath(options.path);
    if (path === undefined) {
      ctx.error(options.path, { message: 'path points outside the repository' });
      return { objects: [], errors: ctx.errors, files: 0, kustomize: false };
    }
    let kustomize = false;
    try {
      kustomize = (await findKustomizationFile(ctx, path)) !== undefined;
      const resources = kustomize ? await buildKustomization(ctx, path) : await renderDirectory(ctx, path, options.directory);
      const objects = finalize(ctx, resources, options, this.memo);
      return { objects, errors: ctx.errors, files: ctx.filesRead.size, kustomize };
    } catch (err) {
      // The snapshot failed to read (a broken object store, say): report it like any other error.
      ctx.error(path || '.', { message: `reading the repository failed: ${err instanceof Error ? err.message : String(err)}` });
      return { objects: [], errors: ctx.errors, files: ctx.filesRead.size, kustomize };
    }
  }
}
