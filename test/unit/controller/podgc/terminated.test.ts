import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../../src/api/generated/index.js';
import { terminatedPodsToDelete } from '../../../../src/controller/podgc/index.js';

function pod(name: string, created: string, phase: string, reason?: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', creationTimestamp: created }, status: { phase: phase as 'Running', ...(reason ? { reason } : {}) } };
}

describe('terminatedPodsToDelete', () => {
  const pods = [
    pod('newest', '2026-01-01T00:00:05Z', 'Succeeded'),
    pod('oldest', '2026-01-01T00:00:01Z', 'Failed'),
    pod('running', '2026-01-01T00:00:00Z', 'Running'),
    pod('middle', '2026-01-01T00:00:03Z', 'Succeeded'),
    pod('evicted', '2026-01-01T00:00:04Z', 'Failed', 'Evicted'),
  ];

  it('picks the excess over the threshold: evicted pods first, then the oldest', () => {
    expect(terminatedPodsToDelete(pods, 2).map((p) => p.metadata.name)).toEqual(['evicted', 'oldest']);
    expect(terminatedPodsToDelete(pods, 3).map((p) => p.metadata.name)).toEqual(['evicted']);
  });

  it('deletes nothing at or under the threshold, or when it is 0 (off)', () => {
    expect(terminatedPodsToDelete(pods, 4)).toEqual([]);
    expect(terminatedPodsToDelete(pods, 0)).toEqual([]);
  });
});
