// The Deployment controller, and the helpers kubectl-like tools and tests
// need to reason about Deployments (hashes, revisions, fenceposts).

export { DEPLOYMENT_CONTROLLER_NAME, newDeploymentController, type DeploymentControllerOptions } from './deployment-controller.js';
export { canonicalTemplate, computeHash, POD_TEMPLATE_HASH_LABEL, templatesEqualIgnoringHash } from './hash.js';
export {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  resolveFenceposts,
  revisionOf,
} from './util.js';
