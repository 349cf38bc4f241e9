// gitops/render: manifests from a RepoSnapshot. Plain directories (Argo CD's directory
// source) and a kustomize subset, objects validated against gitplane's schemas, errors
// that name file, line and field. See renderer.ts for the entry point.

export { Renderer } from './renderer.js';
export { formatRenderError } from './errors.js';
export { globToRegExp, matchesGlob } from './glob.js';
export { kustomizeHash } from './kustomize/hash.js';
export type { DirectoryOptions, RendererOptions, RendererStats, RenderOptions, RenderResult } from './options.js';
