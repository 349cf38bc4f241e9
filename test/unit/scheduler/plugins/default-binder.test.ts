import { describe, expect, it } from 'vitest';
import { CycleState } from '../../../../src/scheduler/framework/index.js';
import { DefaultBinder } from '../../../../src/scheduler/plugins/default-binder/index.js';
import { podInfo } from '../support/fixtures.js';

describe('DefaultBinder', () => {
  it.each([
    { name: 'binds through the binder', fail: false, want: 'Success' },
    { name: 'returns an Error status instead of throwing', fail: true, want: 'Error' },
  ])('$name', async ({ fail, want }) => {
    const calls: unknown[][] = [];
    const binder = new DefaultBinder({
      bind: async (...args) => {
        calls.push(args);
        if (fail) throw new Error('pod is being deleted');
      },
    });
    const pod = podInfo('p', { uid: 'u1' });
    const status = await binder.bind(new CycleState(), pod, 'node-1');
    expect(status.code).toBe(want);
    expect(calls).toEqual([['default', 'p', 'node-1', 'u1']]);
    if (fail) expect(status.message()).toBe('pod is being deleted');
  });
});
