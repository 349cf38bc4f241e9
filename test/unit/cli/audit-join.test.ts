// The audit join: each commit of an app's path gets the time it went live (the
// earliest deployment of it or a descendant), "pending", or "before history";
// plus the --path and --resource helpers.
import { describe, expect, it } from 'vitest';
import type { RevisionHistory } from '../../../src/api/generated/index.js';
import { joinAudit, liveStateOf, liveText, memoizeAncestry } from '../../../src/cli/audit/join.js';
import { auditPath } from '../../../src/cli/audit/index.js';
import { classifyChange, matchesRef, parseResourceRef } from '../../../src/cli/audit/resource.js';
import type { CommitInfo } from '../../../src/gitops/types.js';

// A linear history c1 ← c2 ← c3 ← c4 ← c5 (c5 newest), with a side branch c2 ← f1.
const parents: Record<string, string[]> = { c1: [], c2: ['c1'], c3: ['c2'], c4: ['c3'], c5: ['c4'], f1: ['c2'] };
async function isAncestor(a: string, d: string): Promise<boolean> {
  if (a === d) return true;
  return (parents[d] ?? []).some((p) => p === a || isAncestorSync(a, p));
}
function isAncestorSync(a: string, d: string): boolean {
  return a === d || (parents[d] ?? []).some((p) => isAncestorSync(a, p));
}

function commit(sha: string, t: number, message = `commit ${sha}\n\nbody`): CommitInfo & { files: string[] } {
  const who = { name: 'Alice', email: 'alice@example.com', timestamp: t };
  return { sha, author: who, committer: who, message, parents: parents[sha] ?? [], files: [`deploy/${sha}.yaml`] };
}

const h = (id: number, revision: string, deployedAt: string, healthyAt?: string): RevisionHistory => ({ id, revision, deployedAt, ...(healthyAt ? { healthyAt } : {}) });

describe('liveStateOf', () => {
  const history = [h(0, 'c2', '2026-01-01T10:00:00Z', '2026-01-01T10:00:30Z'), h(1, 'c4', '2026-01-02T10:00:00Z')];

  it('a deployed commit went live with its own deployment', async () => {
    expect(await liveStateOf('c2', history, isAncestor)).toEqual({ state: 'live', historyId: 0, revision: 'c2', deployedAt: '2026-01-01T10:00:00Z', healthyAt: '2026-01-01T10:00:30Z' });
  });

  it('a commit that was never deployed itself went live with the first deployment of a descendant', async () => {
    expect(await liveStateOf('c3', history, isAncestor)).toMatchObject({ state: 'live', historyId: 1, deployedAt: '2026-01-02T10:00:00Z' });
  });

  it('an ancestor of the first deployment of a complete history went live with it', async () => {
    expect(await liveStateOf('c1', history, isAncestor)).toMatchObject({ state: 'live', historyId: 0 });
  });

  it('commits no deployment contains are pending', async () => {
    expect(await liveStateOf('c5', history, isAncestor)).toEqual({ state: 'pending' });
    expect(await liveStateOf('f1', history, isAncestor)).toEqual({ state: 'pending' });
  });

  it('commits older than a trimmed history are "before history"', async () => {
    const trimmed = [h(7, 'c3', '2026-01-03T00:00:00Z'), h(8, 'c5', '2026-01-04T00:00:00Z')];
    expect(await liveStateOf('c2', trimmed, isAncestor)).toEqual({ state: 'before-history' });
    expect(await liveStateOf('c3', trimmed, isAncestor)).toMatchObject({ state: 'live', historyId: 7 });
    expect(await liveStateOf('c4', trimmed, isAncestor)).toMatchObject({ state: 'live', historyId: 8 });
  });

  it('after an emergency sync back, a commit keeps its first go-live time', async () => {
    const back = [h(0, 'c2', 't0'), h(1, 'c4', 't1'), h(2, 'c2', 't2'), h(3, 'c5', 't3')];
    expect(await liveStateOf('c4', back, isAncestor)).toMatchObject({ historyId: 1, deployedAt: 't1' });
  });
});

describe('joinAudit', () => {
  it('keeps the log order and fills in author, dates, first line and files', async () => {
    const history = [h(1, 'c2', '2026-01-01T10:00:00Z')];
    const log = [commit('c3', 1_767_261_600), commit('c2', 1_767_258_000)];
    const rows = await joinAudit({ name: 'web', namespace: 'gitplane-system' }, log, history, isAncestor);
    expect(rows.map((r) => [r.commit, r.live.state])).toEqual([
      ['c3', 'pending'],
      ['c2', 'live'],
    ]);
    expect(rows[1]).toMatchObject({
      app: 'web',
      namespace: 'gitplane-system',
      author: 'Alice <alice@example.com>',
      date: '2026-01-01T09:00:00Z',
      message: 'commit c2',
      files: ['deploy/c2.yaml'],
      parents: ['c1'],
    });
  });

  it('orders history by id whatever order it comes in', async () => {
    const rows = await joinAudit({ name: 'w', namespace: 'n' }, [commit('c2', 1)], [h(5, 'c4', 'late'), h(4, 'c2', 'early')], isAncestor);
    expect(rows[0]!.live).toMatchObject({ deployedAt: 'early' });
  });

  it('reads as a LIVE column', () => {
    const fmt = (t: string | undefined) => t ?? '';
    expect(liveText({ state: 'pending' }, fmt)).toBe('pending');
    expect(liveText({ state: 'before-history' }, fmt)).toBe('before history');
    expect(liveText({ state: 'live', historyId: 2, revision: 'x', deployedAt: 'T' }, fmt)).toBe('T');
  });
});

describe('memoizeAncestry', () => {
  it('asks each pair once and answers a commit as its own ancestor without asking', async () => {
    const calls: string[] = [];
    const check = memoizeAncestry(async (a, d) => {
      calls.push(`${a}..${d}`);
      return true;
    });
    await check('a', 'b');
    await check('a', 'b');
    await check('c', 'c');
    expect(calls).toEqual(['a..b']);
  });
});

describe('--path and --resource', () => {
  it('logs the app path, or --path when inside it; skips apps that do not overlap', () => {
    expect(auditPath('apps/web', undefined)).toBe('apps/web');
    expect(auditPath('.', undefined)).toBe('');
    expect(auditPath('apps/web', 'apps/web/deploy.yaml')).toBe('apps/web/deploy.yaml');
    expect(auditPath('./apps/web/', 'apps')).toBe('apps/web');
    expect(auditPath('.', 'apps/web')).toBe('apps/web');
    expect(auditPath('apps/web', 'apps/api')).toBeUndefined();
  });

  it('parses Kind/ns/name and Kind/name', () => {
    expect(parseResourceRef('Deployment/web/frontend')).toEqual({ kind: 'Deployment', namespace: 'web', name: 'frontend' });
    expect(parseResourceRef('Namespace/web')).toEqual({ kind: 'Namespace', name: 'web' });
    expect(parseResourceRef('frontend')).toBeUndefined();
    expect(parseResourceRef('a/b/c/d')).toBeUndefined();
    expect(parseResourceRef('Deployment//x')).toBeUndefined();
  });

  it('matches objects by kind (any case), namespace and name', () => {
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'frontend', namespace: 'web' } };
    expect(matchesRef(dep, { kind: 'deployment', namespace: 'web', name: 'frontend' }, 'web')).toBe(true);
    expect(matchesRef(dep, { kind: 'Deployment', namespace: 'other', name: 'frontend' }, 'web')).toBe(false);
    expect(matchesRef(dep, { kind: 'Deployment', name: 'frontend' }, 'web')).toBe(true);
    expect(matchesRef({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, { kind: 'Namespace', name: 'web' }, 'x')).toBe(true);
  });

  it('classifies a change of an object between two renders', () => {
    expect(classifyChange(undefined, '{}')).toBe('added');
    expect(classifyChange('{}', undefined)).toBe('removed');
    expect(classifyChange('{"a":1}', '{"a":2}')).toBe('changed');
    expect(classifyChange('{}', '{}')).toBeUndefined();
  });
});
