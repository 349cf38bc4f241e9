// gitops/sync: ordered, safe apply and prune. planSync turns desired objects, live twins and
// the inventory into phase/wave steps; runSync runs them as a resumable state machine with a
// result per resource. Knows nothing of Git.

export * from './types.js';
export { planSync, type PlanInput } from './plan.js';
export { runSync } from './run.js';
export { loadLive, liveRefsFor, type LiveRef } from './live.js';
export { hookProgressOf, type HookProgress } from './hooks.js';
export { kindRank } from './kind-order.js';
export { hasSyncOption, hookDeletePoliciesOf, hookPhasesOf, isHookObject, syncWaveOf, trackingOwnerOf } from './annotations.js';
export { FIELD_MANAGER } from './apply.js';
