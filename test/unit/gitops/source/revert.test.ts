// revert: the tree of our revert commit must equal native `git revert --no-edit`
// in a twin clone; conflicts and refusals leave the branch untouched; the
// checked-out worktree is updated so `git status` is clean and `git fsck` too.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository, RevertConflictError, RevertError, type GitRepository } from '../../../../src/gitops/source/index.js';
import { gitSync, initRepo, tempDir, type TestRepo } from '../../../support/git.js';

const author = { name: 'gitplane', email: 'gitplane@example.com' };

describe('gitops/source: revert', () => {
  let tmp: string;
  let src: TestRepo;
  let repo: GitRepository;
  let twins = 0;

  beforeAll(async () => {
    tmp = tempDir();
    src = initRepo(tmp);
    src.commit('init', { 'apps/web.yaml': 'replicas: 1\n', 'apps/db.yaml': 'db: 1\n', 'infra/ns.yaml': 'ns\n' });
    repo = await openRepository({ repoURL: src.dir, dataDir: tmp });
  });

  afterAll(async () => {
    await repo?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Native `git revert --no-edit <sha>` on `branch` in a fresh clone; its tree, or 'conflict'. */
  function nativeRevert(sha: string, branch = 'main'): string {
    const twin = path.join(tmp, `twin-${twins++}`);
    gitSync(tmp, 'clone', '-q', '--no-local', src.dir, twin);
    gitSync(twin, 'checkout', '-q', '-B', branch, `origin/${branch}`);
    try {
      gitSync(twin, 'revert', '--no-edit', sha);
    } catch {
      return 'conflict';
    }
    return gitSync(twin, 'rev-parse', 'HEAD^{tree}');
  }

  const treeOf = (sha: string) => src.git('rev-parse', `${sha}^{tree}`);
  const expectClean = () => {
    expect(src.git('status', '--porcelain')).toBe('');
    expect(src.git('fsck', '--no-progress')).toBe('');
  };

  it('reverts a modification like git revert, on the checked-out branch, leaving git status clean', async () => {
    const c = src.commit('scale web', { 'apps/web.yaml': 'replicas: 3\n' });
    src.commit('unrelated', { 'infra/ns.yaml': 'ns2\n', 'apps/db.yaml': 'db: 2\n' });
    const expected = nativeRevert(c);
    const t0 = performance.now();
    const sha = await repo.revert({ sha: c, branch: 'main', author, now: new Date('2026-02-03T04:05:06Z') });
    console.log(`revert of a modification: ${(performance.now() - t0).toFixed(1)} ms`);
    expect(treeOf(sha)).toBe(expected);
    expect(src.head()).toBe(sha);
    expect(src.git('log', '-1', '--format=%s%n%n%b', sha)).toBe(`Revert "scale web"\n\nThis reverts commit ${c}.`);
    expect(src.git('log', '-1', '--format=%an <%ae> %at', sha)).toBe(`gitplane <gitplane@example.com> ${Date.parse('2026-02-03T04:05:06Z') / 1000}`);
    expect(fs.readFileSync(path.join(src.dir, 'apps/web.yaml'), 'utf8')).toBe('replicas: 1\n');
    expectClean();
  });

  it('reverts adding files (they are deleted, empty directories dropped) and deleting files (they come back)', async () => {
    const add = src.commit('add cache', { 'apps/cache/cache.yaml': 'c\n', 'apps/cache/svc.yaml': 's\n' });
    const del = src.commit('drop db', { 'apps/db.yaml': null });
    src.commit('more', { 'infra/quota.yaml': 'q\n' });
    for (const c of [add, del]) {
      const expected = nativeRevert(c);
      const sha = await repo.revert({ sha: c, branch: 'main', author });
      expect(treeOf(sha)).toBe(expected);
      expectClean();
    }
    expect(fs.existsSync(path.join(src.dir, 'apps/cache/cache.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(src.dir, 'apps/db.yaml'), 'utf8')).toBe('db: 2\n');
  });

  it('refuses a conflict, listing the paths, and writes nothing', async () => {
    const c = src.commit('web 5', { 'apps/web.yaml': 'replicas: 5\n', 'infra/ns.yaml': 'ns5\n' });
    src.commit('web 6', { 'apps/web.yaml': 'replicas: 6\n', 'infra/ns.yaml': 'ns6\n' });
    expect(nativeRevert(c)).toBe('conflict');
    const head = src.head();
    const objects = src.git('count-objects');
    const err = await repo.revert({ sha: c, branch: 'main', author }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RevertConflictError);
    expect((err as RevertConflictError).paths).toEqual(['apps/web.yaml', 'infra/ns.yaml']);
    expect((err as Error).message).toContain('apps/web.yaml');
    expect(src.head()).toBe(head);
    expect(src.git('count-objects')).toBe(objects);
    expectClean();
  });

  it('refuses merge commits, reverting nothing twice, and local edits in the way', async () => {
    src.git('checkout', '-q', '-b', 'side');
    src.commit('side change', { 'side.yaml': 's\n' });
    src.git('checkout', '-q', 'main');
    src.commit('main change', { 'main.yaml': 'm\n' });
    src.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
    const merge = src.head();
    await expect(repo.revert({ sha: merge, branch: 'main', author })).rejects.toThrow(/merge commit \(2 parents\)/);

    const c = src.commit('touch db', { 'apps/db.yaml': 'db: 3\n' });
    await repo.revert({ sha: c, branch: 'main', author });
    await expect(repo.revert({ sha: c, branch: 'main', author })).rejects.toThrow(/nothing to revert/);

    const c2 = src.commit('touch db again', { 'apps/db.yaml': 'db: 4\n' });
    fs.writeFileSync(path.join(src.dir, 'apps/db.yaml'), 'edited locally\n');
    const head = src.head();
    const err = await repo.revert({ sha: c2, branch: 'main', author }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RevertError);
    expect((err as Error).message).toMatch(/local changes to apps\/db.yaml/);
    expect(src.head()).toBe(head);
    expect(fs.readFileSync(path.join(src.dir, 'apps/db.yaml'), 'utf8')).toBe('edited locally\n');
    src.git('checkout', '--', 'apps/db.yaml');
    await expect(repo.revert({ sha: c2, branch: 'nope', author })).rejects.toThrow(/"nope" not found/);
  });

  it('reverts on a branch that is not checked out without touching the worktree', async () => {
    src.git('branch', '-f', 'release', 'main');
    const c = src.commit('web 7 on main', { 'apps/web.yaml': 'replicas: 7\n' });
    src.git('branch', '-f', 'release', 'main');
    src.commit('after', { 'x.yaml': 'x\n' });
    const expected = nativeRevert(c, 'release');
    const main = src.head();
    const sha = await repo.revert({ sha: c, branch: 'release', author, message: 'roll back web 7' });
    expect(treeOf(sha)).toBe(expected);
    expect(src.git('rev-parse', 'release')).toBe(sha);
    expect(src.head()).toBe(main);
    expect(src.git('log', '-1', '--format=%B', sha)).toBe('roll back web 7');
    expect(fs.readFileSync(path.join(src.dir, 'apps/web.yaml'), 'utf8')).toBe('replicas: 7\n');
    expectClean();
  });

  it('reverts in a bare repository, and the root commit', async () => {
    const bareDir = path.join(tmp, 'bare.git');
    gitSync(tmp, 'clone', '-q', '--bare', src.dir, bareDir);
    const bare = await openRepository({ repoURL: bareDir, dataDir: tmp });
    try {
      const c = src.git('rev-parse', 'main~1');
      const expected = nativeRevert(c);
      const sha = await bare.revert({ sha: c, branch: 'main', author });
      expect(gitSync(bareDir, 'rev-parse', `${sha}^{tree}`)).toBe(expected);
      expect(gitSync(bareDir, 'rev-parse', 'main')).toBe(sha);
      expect(gitSync(bareDir, 'fsck', '--no-progress')).toBe('');

      const other = initRepo(tmp, 'rooted');
      const r1 = other.commit('root', { 'a.yaml': 'a\n' });
      other.commit('second', { 'b.yaml': 'b\n' });
      const otherRepo = await openRepository({ repoURL: other.dir, dataDir: tmp });
      const sha2 = await otherRepo.revert({ sha: r1, branch: 'main', author });
      expect(other.git('ls-tree', '-r', '--name-only', sha2)).toBe('b.yaml');
      expect(other.git('status', '--porcelain')).toBe('');
      await otherRepo.close();
    } finally {
      await bare.close();
    }
  });
});
