// `app diff` and `audit --resource` on a real Git repository (no cluster): the
// rendered revision against fake live objects — creates, changes, prunes of
// inventory entries no longer rendered (never of another app's objects) — and
// which commits changed one object.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Application } from '../../../src/api/generated/index.js';
import { computeAppDiff, hasDifferences, summarizeDiff } from '../../../src/cli/app/diff-plan.js';
import { joinAudit } from '../../../src/cli/audit/join.js';
import { filterByResource } from '../../../src/cli/audit/resource.js';
import { prepareForApply } from '../../../src/gitops/diff/index.js';
import { openRepository, type GitRepository } from '../../../src/gitops/source/index.js';
import type { KubeObject, ResourceId } from '../../../src/gitops/types.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const cm = (name: string, color: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  color: ${color}\n`;

describe('app diff and audit --resource on a repository', () => {
  let dir: string;
  let repo: GitRepository;
  const shas: Record<string, string> = {};

  const commit = (message: string, files: Record<string, string | null>) => {
    for (const [file, text] of Object.entries(files)) {
      const p = path.join(dir, file);
      if (text === null) fs.rmSync(p);
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, text);
      }
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', message);
    shas[message] = git(dir, 'rev-parse', 'HEAD');
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-diff-'));
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'config', 'user.name', 'Alice');
    git(dir, 'config', 'user.email', 'alice@example.com');
    commit('one', { 'deploy/a.yaml': cm('a', 'blue'), 'deploy/b.yaml': cm('b', 'blue'), 'README.md': 'hi' });
    commit('two', { 'deploy/a.yaml': cm('a', 'green') });
    commit('docs', { 'README.md': 'hello' });
    commit('three', { 'deploy/b.yaml': null, 'deploy/c.yaml': cm('c', 'red') });
    commit('four', { 'deploy/a.yaml': cm('a', 'green') + '  size: big\n' });
    repo = await openRepository({ repoURL: dir, dataDir: path.join(dir, '.cache') });
  });
  afterAll(async () => {
    await repo?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const app = (): Application => ({
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'gitplane-system' },
    spec: { source: { repoURL: dir, path: 'deploy' }, destination: { namespace: 'web' } },
    status: {
      inventory: {
        entries: [
          { version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'a' },
          { version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'b' },
          { version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'foreign' },
        ],
      },
    },
  });

  /** Live objects as a sync of `rev` would have left them, plus one owned by another app. */
  const liveAt = (objects: Record<string, KubeObject>) => async (_apiVersion: string, id: ResourceId) => objects[`${id.namespace}/${id.name}`];
  const applied = (name: string, color: string): KubeObject =>
    prepareForApply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web' }, data: { color } }, { namespace: 'gitplane-system', name: 'web' });

  it('shows changes, creates and prunes of the target revision', async () => {
    const live = {
      'web/a': applied('a', 'green'),
      'web/b': applied('b', 'blue'),
      'web/foreign': { ...applied('foreign', 'x'), metadata: { name: 'foreign', namespace: 'web', annotations: { 'gitplane.io/tracking-id': 'gitplane-system_other:/ConfigMap:web/foreign' } } },
    };
    const d = await computeAppDiff(app(), repo, liveAt(live));
    expect(d.revision).toBe(shas.four);
    expect(d.errors).toEqual([]);
    expect(d.diffs.map((x) => [x.id.name, x.action, x.status])).toEqual([
      ['a', 'patch', 'OutOfSync'],
      ['c', 'create', 'OutOfSync'],
    ]);
    expect(d.prunes.map((p) => p.id.name)).toEqual(['b']);
    expect(summarizeDiff(d)).toBe('1 to create, 1 to change, 1 to prune');
    expect(hasDifferences(d)).toBe(true);
  });

  it('finds no differences when live matches the revision asked for', async () => {
    const live = { 'web/a': applied('a', 'blue'), 'web/b': applied('b', 'blue') };
    const d = await computeAppDiff({ ...app(), status: {} }, repo, liveAt(live), shas.one);
    expect(d.diffs.every((x) => x.status === 'Synced')).toBe(true);
    expect(hasDifferences(d)).toBe(false);
    expect(summarizeDiff(d)).toBe('no differences');
  });

  it('lists only the commits that changed one object, marking added, changed and removed', async () => {
    const log = await repo.log({ path: 'deploy' });
    expect(log.map((c) => c.message.trim())).toEqual(['four', 'three', 'two', 'one']);
    const entries = await joinAudit({ name: 'web', namespace: 'gitplane-system' }, log, [], async () => false);
    const b = await filterByResource(entries, app(), repo, { kind: 'ConfigMap', namespace: 'web', name: 'b' });
    expect(b.map((e) => [e.message, e.change])).toEqual([
      ['three', 'removed'],
      ['one', 'added'],
    ]);
    const a = await filterByResource(entries, app(), repo, { kind: 'configmap', name: 'a' });
    expect(a.map((e) => [e.message, e.change])).toEqual([
      ['four', 'changed'],
      ['two', 'changed'],
      ['one', 'added'],
    ]);
  });
});
