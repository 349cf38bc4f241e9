// Small readers shared by the per-kind health checks: status conditions by type,
// and numbers that may be absent on a live object's status.

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The condition of `type` in `conditions`, or undefined. */
export function findCondition(conditions: unknown, type: string): Condition | undefined {
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((c): c is Condition => typeof c === 'object' && c !== null && (c as Condition).type === type);
}

/** `value` when it is a number, else `fallback` (absent status counters are 0). */
export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A plain object view of `value` (an empty one for anything else), for optional chains. */
export function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
