// The GitOps controller's public face: start it with a client and a data dir,
// mount its webhook and metrics handlers wherever HTTP is served.

export { GitOpsController, REFRESH_ANNOTATION, type GitOpsControllerOptions } from './app-controller.js';
export { GitOpsMetrics } from './metrics.js';
export { PREVIEW_OF_LABEL, RESOURCES_FINALIZER, branchGlob, previewNamespace, slugify } from './previews.js';
export { parseAuthor } from './rollback.js';
export { formatIdentity, HISTORY_LIMIT } from './history.js';
export { compareApp, isHook, type Comparison, type ResourceStatus } from './compare.js';
