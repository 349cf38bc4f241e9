// The render API's option and result shapes: which directory of a snapshot to read and
// how (as Argo CD's directory source), where namespaced objects land by default, and
// whether objects are validated against gitplane's schemas.

import type { DesiredObject, RenderError } from '../types.js';

/** Argo CD's `spec.source.directory`. Globs match the path relative to `path` or the file name. */
export interface DirectoryOptions {
  /** Read subdirectories too (default false). */
  recurse?: boolean;
  /** Only files matching this glob, e.g. "*.yaml" or "{app.yaml,db/*}". */
  include?: string;
  /** Skip files matching this glob. */
  exclude?: string;
}

export interface RenderOptions {
  /** Repo-relative directory ("" or "." for the root). */
  path: string;
  directory?: DirectoryOptions;
  /** Destination namespace for namespaced objects without one; default "default". */
  namespace?: string;
  /** Validate objects against schemas (default true); the Validate=false sync option turns it off. */
  validate?: boolean;
}

export interface RenderResult {
  objects: DesiredObject[];
  errors: RenderError[];
  /** How many files were read: manifests, kustomizations, patches and generator sources. */
  files: number;
  /** True when `path` held a kustomization and was rendered through it (Argo CD's source type Kustomize). */
  kustomize: boolean;
}

export interface RendererStats {
  /** Files parsed since the renderer was created (cache misses). */
  parsed: number;
  /** Files served from the parse cache (hits). */
  cached: number;
}

export interface RendererOptions {
  /** Parsed files kept (least recently used are dropped first); default 50,000. */
  maxCachedFiles?: number;
}
