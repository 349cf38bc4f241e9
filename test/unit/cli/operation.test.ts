// The operation patches `app sync` and `app rollback` send, and how the CLI
// decides that the controller has finished *its* request.
import { describe, expect, it } from 'vitest';
import type { Application, OperationState, RevisionHistory } from '../../../src/api/generated/index.js';
import { UsageProblem } from '../../../src/cli/app/spec.js';
import { autoSyncWarning, buildSyncPatch, operationProgress, planRollback, revertCommits } from '../../../src/cli/app/operation.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function app(history: RevisionHistory[] = [], extra: Partial<Application> = {}): Application {
  return {
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'gitplane-system' },
    spec: { source: { repoURL: '/repo', path: 'deploy' }, destination: { namespace: 'web' }, syncPolicy: { automated: { prune: true } } },
    status: { history },
    ...extra,
  };
}

const history: RevisionHistory[] = [
  { id: 3, revision: A, deployedAt: '2026-01-01T00:00:00Z' },
  { id: 4, revision: B, deployedAt: '2026-01-02T00:00:00Z' },
  { id: 5, revision: C, deployedAt: '2026-01-03T00:00:00Z' },
];

describe('buildSyncPatch', () => {
  it('asks for a plain sync by the user', () => {
    expect(buildSyncPatch({}, 'alice')).toEqual({ operation: { sync: {}, initiatedBy: 'user:alice' } });
  });

  it('carries revision, prune and dry run', () => {
    expect(buildSyncPatch({ revision: 'feature/x', prune: true, dryRun: true }, 'bob')).toEqual({
      operation: { sync: { revision: 'feature/x', prune: true, dryRun: true }, initiatedBy: 'user:bob' },
    });
  });

  it('leaves out flags that are off', () => {
    expect(buildSyncPatch({ prune: false, dryRun: false }, 'x').operation.sync).toEqual({});
  });
});

describe('planRollback', () => {
  const author = 'Alice <alice@example.com>';

  it('by default asks for a revert of the last deployment', () => {
    const plan = planRollback(app(history), { author }, 'alice');
    expect(plan.patch).toEqual({ operation: { rollback: { author }, initiatedBy: 'user:alice' } });
    expect(plan.expect).toEqual({ kind: 'rollback' });
    expect(plan.summary).toContain('ccccccc');
  });

  it('reverts a given commit', () => {
    const plan = planRollback(app(history), { revision: 'abc1234', author }, 'alice');
    expect(plan.patch.operation.rollback).toEqual({ revision: 'abc1234', author });
  });

  it('reverts everything after a history entry with --to', () => {
    const plan = planRollback(app(history), { to: 4, author }, 'alice');
    expect(plan.patch.operation.rollback).toEqual({ historyId: 4, author });
  });

  it('--no-commit syncs to the previous deployment', () => {
    const plan = planRollback(app(history), { noCommit: true, author }, 'alice');
    expect(plan.patch).toEqual({ operation: { sync: { revision: B }, initiatedBy: 'user:alice' } });
    expect(plan.expect).toEqual({ kind: 'sync', initiatedBy: 'user:alice' });
    expect(plan.syncRevision).toBe(B);
  });

  it('--no-commit skips redeployments of the current revision when looking for the previous one', () => {
    const h = [...history, { id: 6, revision: C }];
    expect(planRollback(app(h), { noCommit: true, author }, 'u').syncRevision).toBe(B);
  });

  it('--no-commit with --to syncs to that entry, with a REVISION to that revision', () => {
    expect(planRollback(app(history), { noCommit: true, to: 3, author }, 'u').syncRevision).toBe(A);
    expect(planRollback(app(history), { noCommit: true, revision: 'v1.2', author }, 'u').syncRevision).toBe('v1.2');
  });

  it('refuses REVISION and --to together as a usage problem', () => {
    expect(() => planRollback(app(history), { revision: 'x', to: 3, author }, 'u')).toThrow(UsageProblem);
  });

  it('explains what is missing from the history', () => {
    expect(() => planRollback(app(history), { to: 9, author }, 'u')).toThrow(/history entry 9 not found/);
    expect(() => planRollback(app([]), { author }, 'u')).toThrow(/no deployment/);
    expect(() => planRollback(app([history[0]!]), { noCommit: true, author }, 'u')).toThrow(/no earlier deployment/);
  });
});

describe('operationProgress', () => {
  const before: OperationState = { operation: 'user:alice', phase: 'Succeeded', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z' };
  const sync = { kind: 'sync' as const, initiatedBy: 'user:alice' };
  const withState = (state: OperationState | undefined, operation?: Application['operation']) => ({ status: state ? { operationState: state } : {}, ...(operation ? { operation } : {}) });

  it('is not done while the request is still pending', () => {
    expect(operationProgress(before, withState({ ...before, startedAt: 'later' }, { sync: {}, initiatedBy: 'user:alice' }), sync)).toEqual({ done: false });
  });

  it('is not done while the state is what it was before', () => {
    expect(operationProgress(before, withState(before), sync)).toEqual({ done: false });
    expect(operationProgress(undefined, withState(undefined), sync)).toEqual({ done: false });
  });

  it('is not done while our sync runs', () => {
    const running: OperationState = { operation: 'user:alice', phase: 'Running', startedAt: '2026-01-02T00:00:00Z' };
    expect(operationProgress(before, withState(running), sync)).toEqual({ done: false, state: running });
  });

  it('is settling when a final phase has no finishedAt yet', () => {
    const last: OperationState = { operation: 'user:alice', phase: 'Succeeded', startedAt: '2026-01-02T00:00:00Z' };
    expect(operationProgress(before, withState(last), sync)).toEqual({ done: false, state: last, settling: true });
  });

  it('is done when our sync finished, whatever the phase', () => {
    for (const phase of ['Succeeded', 'Failed', 'Error'] as const) {
      const after: OperationState = { operation: 'user:alice', phase, startedAt: '2026-01-02T00:00:00Z', finishedAt: '2026-01-02T00:00:05Z' };
      expect(operationProgress(before, withState(after), sync)).toEqual({ done: true, state: after });
    }
  });

  it('does not take an automated sync finishing meanwhile for ours', () => {
    const auto: OperationState = { operation: 'automated', phase: 'Succeeded', startedAt: '2026-01-02T00:00:00Z', finishedAt: '2026-01-02T00:00:01Z' };
    expect(operationProgress(before, withState(auto), sync).done).toBe(false);
  });

  it('waits for a rollback state for a rollback request', () => {
    const rolled: OperationState = { operation: 'rollback', phase: 'Succeeded', message: 'rollback: reverted ccccccc on main with 1234567', startedAt: 'x', finishedAt: 'y' };
    expect(operationProgress(before, withState(rolled), { kind: 'rollback' }).done).toBe(true);
    const auto: OperationState = { ...rolled, operation: 'automated' };
    expect(operationProgress(before, withState(auto), { kind: 'rollback' }).done).toBe(false);
  });
});

describe('messages', () => {
  it('finds the revert commits in a rollback message', () => {
    expect(revertCommits({ phase: 'Succeeded', message: 'rollback: reverted ccccccc, bbbbbbb on main with 1234567, 89abcde' })).toEqual(['1234567', '89abcde']);
    expect(revertCommits({ phase: 'Failed', message: 'rollback failed: conflict' })).toEqual([]);
  });

  it('warns that auto-sync is off and says how to re-enable it', () => {
    const text = autoSyncWarning('web', B).join('\n');
    expect(text).toContain('automated sync is OFF');
    expect(text).toContain('gitplane app set web --auto-sync');
    expect(text).toContain('bbbbbbb');
  });
});
