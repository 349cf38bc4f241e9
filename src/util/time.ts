// Kubernetes API times (metav1.Time): RFC 3339 in whole seconds, UTC.

/** `2026-11-22T13:05:09Z` for a clock reading in milliseconds. */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
