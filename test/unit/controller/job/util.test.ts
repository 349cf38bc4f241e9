import { describe, expect, it } from 'vitest';
import type { Job, JobCondition } from '../../../../src/api/generated/index.js';
import { ensureCondition, formatIndexes, isJobFinished, jobFinishTime, parseIndexes, rfc3339 } from '../../../../src/controller/job/util.js';
import { jobExpireAt } from '../../../../src/controller/job/ttl-after-finished-controller.js';

function job(conditions: JobCondition[], extra: Partial<NonNullable<Job['status']>> = {}, ttl?: number): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec: { template: {}, ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}) },
    status: { conditions, ...extra },
  };
}

describe('completed indexes', () => {
  it.each<[number[], string]>([
    [[], ''],
    [[0], '0'],
    [[0, 1, 2], '0-2'],
    [[7, 1, 3, 4, 5], '1,3-5,7'],
  ])('%j ↔ %s', (indexes, text) => {
    expect(formatIndexes(indexes)).toBe(text);
    expect([...parseIndexes(text, 100)].sort((a, b) => a - b)).toEqual([...new Set(indexes)].sort((a, b) => a - b));
  });
  it('drops indexes past completions and junk', () => {
    expect([...parseIndexes('1,3-5,x,9', 5)]).toEqual([1, 3, 4]);
  });
});

describe('conditions', () => {
  it('moves lastTransitionTime only when the status changes', () => {
    const conditions: JobCondition[] = [];
    expect(ensureCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', 1000)).toBe(false);
    expect(conditions).toEqual([]);
    expect(ensureCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 1000)).toBe(true);
    expect(ensureCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 5000)).toBe(false);
    expect(ensureCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', 9000)).toBe(true);
    expect(conditions).toEqual([{ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: rfc3339(9000), lastTransitionTime: rfc3339(9000) }]);
  });

  it('knows when and whether a job finished', () => {
    expect(isJobFinished(job([{ type: 'FailureTarget', status: 'True' }]))).toBe(false);
    const failed = job([{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' }]);
    expect(isJobFinished(failed)).toBe(true);
    expect(jobFinishTime(failed)).toBe(Date.parse('2026-01-01T00:00:05Z'));
    const complete = job([{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' }], { completionTime: '2026-01-01T00:00:04Z' });
    expect(jobFinishTime(complete)).toBe(Date.parse('2026-01-01T00:00:04Z'));
  });
});

describe('jobExpireAt', () => {
  it('is the finish time plus the TTL, for finished jobs with a TTL', () => {
    const done = (ttl?: number) => job([{ type: 'Complete', status: 'True' }], { completionTime: '2026-01-01T00:00:00Z' }, ttl);
    expect(jobExpireAt(done(30))).toBe(Date.parse('2026-01-01T00:00:30Z'));
    expect(jobExpireAt(done(0))).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(jobExpireAt(done())).toBeUndefined();
    expect(jobExpireAt(job([], {}, 30))).toBeUndefined();
  });
});
