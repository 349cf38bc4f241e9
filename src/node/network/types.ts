// The contract between the node agent and a pod network: set up a sandbox's
// network before its containers start, tear it down after they are gone.

import type { PodNetwork, PodSandbox } from '../runtime/types.js';

export interface NetworkPlugin {
  /** Idempotent: calling it again for a pod that has its network returns the same PodNetwork. */
  setUp(sandbox: PodSandbox): Promise<PodNetwork>;
  /** Idempotent: tearing down a pod with no network is not an error. */
  tearDown(sandbox: PodSandbox): Promise<void>;
}
