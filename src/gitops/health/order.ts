// Health codes ordered from best to worst, as Argo CD's gitops-engine orders them
// (Healthy < Suspended < Progressing < Missing < Degraded < Unknown), and the
// worst-first combination an Application uses to summarise its resources.

import type { HealthStatus, HealthStatusCode } from '../types.js';

/** Least to most severe. Unknown is last, as in gitops-engine's healthOrder. */
export const HEALTH_ORDER: HealthStatusCode[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

const RANK = new Map<HealthStatusCode, number>(HEALTH_ORDER.map((code, i) => [code, i]));

/** Whether `next` is strictly worse than `current`. Codes outside HEALTH_ORDER rank as Unknown. */
export function isWorse(current: HealthStatusCode, next: HealthStatusCode): boolean {
  return rank(next) > rank(current);
}

function rank(code: HealthStatusCode): number {
  return RANK.get(code) ?? HEALTH_ORDER.length - 1;
}

/**
 * The worst of `statuses`, keeping that status' message (the first one seen at that level).
 * `undefined` entries (kinds without a health notion) count as Healthy; empty → Healthy.
 */
export function worstHealth(statuses: Iterable<HealthStatus | undefined>): HealthStatus {
  let worst: HealthStatus = { status: 'Healthy' };
  for (const s of statuses) {
    if (s === undefined) continue;
    if (isWorse(worst.status, s.status)) worst = s;
  }
  return worst.message === undefined ? { status: worst.status } : { status: worst.status, message: worst.message };
}
