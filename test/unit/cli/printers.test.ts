// What the verbs print, without a cluster: app list, app get's summary (conditions
// with file:line, resources, last operation), history, audit and sync results.
import { describe, expect, it } from 'vitest';
import type { Application } from '../../../src/api/generated/index.js';
import { describeApplication } from '../../../src/cli/app/describe.js';
import { healthyAfter, historyTable } from '../../../src/cli/app/history.js';
import { appTable } from '../../../src/cli/app/list.js';
import { describeOperation, resultsTable } from '../../../src/cli/app/results.js';
import { auditTable } from '../../../src/cli/audit/print.js';
import { defaultAuthor } from '../../../src/cli/git-author.js';
import { makeStyle } from '../../../src/cli/output.js';

const plain = makeStyle(false);
const SHA = '0123456789abcdef0123456789abcdef01234567';
const now = Date.parse('2026-01-02T12:00:00Z');

const app: Application = {
  apiVersion: 'gitplane.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'gitplane-system', creationTimestamp: '2026-01-02T11:00:00Z' },
  spec: {
    source: { repoURL: '/srv/repo', path: 'deploy', targetRevision: 'main' },
    destination: { namespace: 'web' },
    syncPolicy: { syncOptions: ['CreateNamespace=true'] },
  },
  status: {
    sync: { status: 'OutOfSync', revision: SHA },
    health: { status: 'Degraded', message: '1 pod crashing' },
    autoSyncDisabledReason: 'synced to abc without a commit',
    conditions: [{ type: 'ComparisonError', message: 'deploy/a.yaml:3: spec.replicas: must be an integer\ndeploy/b.yaml:9: bad', file: 'deploy/a.yaml', line: 3 }],
    resources: [{ kind: 'Deployment', namespace: 'web', name: 'frontend', status: 'OutOfSync', health: { status: 'Degraded', message: 'crashing' } }],
    operationState: {
      operation: 'user:alice',
      phase: 'Failed',
      message: 'one or more objects failed to apply',
      startedAt: '2026-01-02T11:59:00Z',
      finishedAt: '2026-01-02T11:59:12Z',
      revision: SHA,
      syncResult: { resources: [{ kind: 'Deployment', namespace: 'web', name: 'frontend', status: 'SyncFailed', operation: 'failed', message: 'admission webhook said no' }] },
    },
    history: [
      { id: 0, revision: SHA, author: 'Alice <alice@example.com>', message: 'scale up\n\nbecause', deployedAt: '2026-01-02T10:00:00Z', healthyAt: '2026-01-02T10:00:42Z', resources: { created: 2, configured: 1, pruned: 0 } },
      { id: 1, revision: SHA, author: 'Bob', message: 'again', deployedAt: '2026-01-02T11:00:00Z' },
    ],
  },
};

describe('app list', () => {
  it('prints NAME SYNC HEALTH REVISION(7) REPO PATH TARGET AGE', () => {
    const lines = appTable([app], false, false, plain, now).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SYNC\s+HEALTH\s+REVISION\s+REPO\s+PATH\s+TARGET\s+AGE$/);
    expect(lines[1]!.split(/\s{3,}/)).toEqual(['web', 'OutOfSync', 'Degraded', '0123456', '/srv/repo', 'deploy', 'main', '60m']);
  });

  it('-o wide adds destination, policy and conditions; -A a namespace column', () => {
    const lines = appTable([app], true, true, plain, now).split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s.*DESTINATION\s+POLICY\s+CONDITIONS$/);
    expect(lines[1]).toMatch(/web\s+Manual\s+ComparisonError$/);
  });
});

describe('app get', () => {
  const text = describeApplication(app, plain, now);

  it('summarizes source, policy, sync and health', () => {
    expect(text).toContain('Repo:           /srv/repo');
    expect(text).toContain('Sync Policy:    Manual; options CreateNamespace=true');
    expect(text).toContain('Sync Status:    OutOfSync to 0123456');
    expect(text).toContain('Health Status:  Degraded (1 pod crashing)');
  });

  it('warns when automated sync was switched off', () => {
    expect(text).toContain('Warning:        automated sync is off: synced to abc without a commit');
  });

  it('lists conditions with file:line and the whole message below', () => {
    expect(text).toMatch(/ComparisonError\s+deploy\/a\.yaml:3\s+deploy\/a\.yaml:3: spec\.replicas: must be an integer \(\+1 more below\)/);
    expect(text).toContain('  deploy/b.yaml:9: bad');
  });

  it('shows resources and the last operation with its per-resource results', () => {
    expect(text).toMatch(/Deployment\s+web\s+frontend\s+OutOfSync\s+Degraded\s+crashing/);
    expect(text).toContain('Last operation: sync by user:alice to 0123456: Failed at 2026-01-02 11:59:12Z (took 12s)');
    expect(text).toMatch(/Deployment\s+web\s+frontend\s+SyncFailed\s+failed\s+admission webhook said no/);
  });
});

describe('results and history', () => {
  it('prints sync results', () => {
    const lines = resultsTable(app.status!.operationState!, plain).split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+STATUS\s+OPERATION\s+MESSAGE$/);
    expect(describeOperation({ operation: 'rollback', phase: 'Running', startedAt: '2026-01-02T11:00:00Z' }, plain)).toBe('rollback: Running since 2026-01-02 11:00:00Z');
  });

  it('prints history with healthy-after durations and resource counts', () => {
    const lines = historyTable(app.status!.history!).split('\n');
    expect(lines[0]).toMatch(/^ID\s+DEPLOYED\s+HEALTHY-AFTER\s+REVISION\s+AUTHOR\s+MESSAGE\s+CREATED\/CONFIGURED\/PRUNED$/);
    expect(lines[1]!.split(/\s{3,}/)).toEqual(['0', '2026-01-02 10:00:00Z', '42s', '0123456', 'Alice', 'scale up', '2/1/0']);
    expect(lines[2]!.split(/\s{3,}/)).toEqual(['1', '2026-01-02 11:00:00Z', '-', '0123456', 'Bob', 'again', '0/0/0']);
    expect(healthyAfter({ id: 0, revision: SHA })).toBe('-');
  });
});

describe('audit table', () => {
  it('shows when each commit went live, pending or before history', () => {
    const base = { app: 'web', namespace: 'gitplane-system', parents: [], author: 'Alice <a@x>', date: '2026-01-02T10:00:00Z', authorDate: '2026-01-02T10:00:00Z', files: ['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml'] };
    const text = auditTable(
      [
        { ...base, commit: 'c'.repeat(40), message: 'newest', live: { state: 'pending' }, change: 'changed' },
        { ...base, commit: 'b'.repeat(40), message: 'middle', live: { state: 'live', historyId: 1, revision: 'b', deployedAt: '2026-01-02T10:01:00Z', healthyAt: '2026-01-02T10:01:30Z' }, change: 'added' },
        { ...base, commit: 'a'.repeat(40), message: 'oldest', live: { state: 'before-history' }, change: 'removed' },
      ],
      { showApp: true, showChange: true, wide: false, style: plain },
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^APP\s+COMMIT\s+CHANGE\s+DATE\s+AUTHOR\s+LIVE\s+HEALTHY-AFTER\s+MESSAGE\s+FILES$/);
    expect(lines[1]).toMatch(/web\s+ccccccc\s+changed\s+2026-01-02 10:00:00Z\s+Alice\s+pending\s+-\s+newest\s+a\.yaml,b\.yaml,c\.yaml \+1 more$/);
    expect(lines[2]).toMatch(/bbbbbbb\s+added\s+.*2026-01-02 10:01:00Z\s+30s\s+middle/);
    expect(lines[3]).toMatch(/aaaaaaa\s+removed\s+.*before history\s+-\s+oldest/);
  });
});

describe('defaultAuthor', () => {
  it('uses git config user.name and user.email, else $USER', () => {
    expect(defaultAuthor({}, (args) => (args[1] === 'user.name' ? 'Alice' : 'alice@example.com'))).toBe('Alice <alice@example.com>');
    expect(defaultAuthor({ USER: 'bob' }, () => undefined)).toBe('bob');
    expect(defaultAuthor({}, () => undefined)).toBe('gitplane');
  });
});
