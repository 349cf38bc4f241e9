// changedFiles against `git diff --no-renames --name-status`, and log with a
// path filter against `git log --format=%H -- path`, on a history with a merge.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository, type GitRepository } from '../../../../src/gitops/source/index.js';
import { dateEnv, gitSyncEnv, initRepo, tempDir, type TestRepo } from '../../../support/git.js';

const T0 = 1_767_225_600; // 2026-01-01

describe('gitops/source: changed files and history', () => {
  let tmp: string;
  let src: TestRepo;
  let repo: GitRepository;
  const c: Record<string, string> = {};

  beforeAll(async () => {
    tmp = tempDir();
    src = initRepo(tmp);
    let t = T0;
    c.init = src.commit('init', { 'apps/web.yaml': 'a\n', 'apps/db.yaml': 'a\n', 'infra/ns.yaml': 'a\n', 'README.md': 'r\n' }, t++);
    c.web1 = src.commit('web v2', { 'apps/web.yaml': 'b\n' }, t++);
    c.addDel = src.commit('add cache, drop db', { 'apps/cache.yaml': 'c\n', 'apps/db.yaml': null }, t++);
    src.git('checkout', '-q', '-b', 'feature');
    c.feat = src.commit('feature: web v3 + infra', { 'apps/web.yaml': 'c\n', 'infra/quota.yaml': 'q\n' }, t++);
    src.git('checkout', '-q', 'main');
    c.readme = src.commit('docs only', { 'README.md': 'r2\n' }, t++);
    gitSyncEnv(src.dir, dateEnv(t++), 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
    c.merge = src.head();
    // a file becomes a directory, and a rename (seen as delete + add)
    c.typeChange = src.commit('file to dir', { 'infra/ns.yaml': null, 'infra/ns.yaml/inner.yaml': 'n\n', 'README.md': null, 'docs/README.md': 'r2\n' }, t++);
    c.empty = src.commit('empty', {}, t++);
    repo = await openRepository({ repoURL: src.dir, dataDir: tmp });
  });

  afterAll(async () => {
    await repo?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const nativeDiff = (from: string, to: string, dir?: string) =>
    src
      .git('diff', '--no-renames', '--name-status', from, to, ...(dir ? ['--', dir] : []))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [s, path] = l.split('\t');
        return { path, change: ({ A: 'added', M: 'modified', D: 'deleted' } as Record<string, string>)[s] ?? s };
      })
      .sort((a, b) => (a.path < b.path ? -1 : 1));

  it('changedFiles matches git diff --name-status for many pairs and directories', async () => {
    const ids = Object.values(c);
    let compared = 0;
    for (const from of ids) {
      for (const to of ids) {
        for (const dir of [undefined, 'apps', 'infra', 'docs', 'apps/web.yaml', 'infra/ns.yaml']) {
          expect(await repo.changedFiles(from, to, dir), `${from}..${to} ${dir}`).toEqual(nativeDiff(from, to, dir));
          compared++;
        }
      }
    }
    expect(compared).toBe(ids.length * ids.length * 6);
  });

  it('changedFiles from nothing lists every file as added', async () => {
    const all = await repo.changedFiles(undefined, c.web1);
    expect(all.map((f) => f.change)).toEqual(['added', 'added', 'added', 'added']);
    expect(all.map((f) => f.path)).toEqual(['README.md', 'apps/db.yaml', 'apps/web.yaml', 'infra/ns.yaml']);
  });

  it('log with a path lists the same commits as git log -- path, newest first', async () => {
    for (const path of ['', 'apps', 'apps/web.yaml', 'apps/db.yaml', 'infra', 'infra/ns.yaml', 'README.md', 'docs', 'nope']) {
      const expected = src.git('log', '--format=%H', 'main', ...(path ? ['--', path] : [])).split('\n').filter(Boolean);
      const got = await repo.log({ ref: 'main', path });
      expect(got.map((e) => e.sha), `path "${path}"`).toEqual(expected);
    }
  });

  it('log reports who changed which files under the path', async () => {
    const entries = await repo.log({ path: 'apps' });
    const byCommit = Object.fromEntries(entries.map((e) => [e.sha, e.files]));
    expect(byCommit[c.addDel]).toEqual(['apps/cache.yaml', 'apps/db.yaml']);
    expect(byCommit[c.feat]).toEqual(['apps/web.yaml']);
    expect(entries[0].author).toEqual({ name: 'Test User', email: 'test@example.com', timestamp: expect.any(Number) });
  });

  it('log honours depth and since', async () => {
    const expected = src.git('log', '--format=%H', '-n', '2', '--', 'apps').split('\n');
    expect((await repo.log({ path: 'apps', depth: 2 })).map((e) => e.sha)).toEqual(expected);
    const since = T0 + 3;
    const native = src.git('log', '--format=%H', `--since=${since}`).split('\n');
    expect((await repo.log({ since })).map((e) => e.sha)).toEqual(native);
  });
});
