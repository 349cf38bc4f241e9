// Remote repositories over smart HTTP (git http-backend behind a tiny node
// server on 127.0.0.1 with basic auth): clone into dataDir, incremental fetch
// with pruning, revert + push landing in the served repository, auth errors.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitAuthError, openRepository, type GitRepository } from '../../../../src/gitops/source/index.js';
import { gitSync, initRepo, serveGitHttp, tempDir, type GitHttpServer, type TestRepo } from '../../../support/git.js';

const USERS = { alice: 'wonderland', 'tok-123': 'x-oauth-basic' };
const author = { name: 'gitplane', email: 'gitplane@example.com' };

describe('gitops/source: remote repositories over HTTP', () => {
  let tmp: string;
  let work: TestRepo;
  let served: string;
  let server: GitHttpServer;
  let repo: GitRepository;
  let url: string;
  const dataDir = () => path.join(tmp, 'data');
  const timings: string[] = [];
  const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings.push(`${label}: ${(performance.now() - t0).toFixed(1)} ms`);
    }
  };

  beforeAll(async () => {
    tmp = tempDir();
    served = path.join(tmp, 'srv', 'deploy.git');
    fs.mkdirSync(served, { recursive: true });
    gitSync(served, 'init', '-q', '--bare', '-b', 'main');
    work = initRepo(tmp, 'work');
    work.git('remote', 'add', 'origin', served);
    for (let i = 0; i < 20; i++) work.write({ [`apps/app${i}/deploy.yaml`]: `replicas: ${i}\n` });
    work.commit('initial');
    work.commit('scale app3', { 'apps/app3/deploy.yaml': 'replicas: 30\n' });
    work.git('tag', '-a', 'v1', '-m', 'v1');
    work.git('branch', 'feature');
    work.git('push', '-q', 'origin', 'main', 'feature', 'v1');
    server = await serveGitHttp(path.join(tmp, 'srv'), USERS);
    url = server.url('deploy.git');
    repo = await time('clone (20 files, noCheckout)', () => openRepository({ repoURL: url, dataDir: dataDir(), auth: { username: 'alice', password: 'wonderland' } }));
  });

  afterAll(async () => {
    if (timings.length) console.log(`remote timings (127.0.0.1, git http-backend per request):\n  ${timings.join('\n  ')}`);
    await repo?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('clones into <dataDir>/<sha1 of the URL> with every branch and tag, asking for credentials', async () => {
    expect(repo.local).toBe(false);
    expect(repo.dir).toBe(path.join(dataDir(), createHash('sha1').update(url).digest('hex')));
    expect(repo.gitdir).toBe(repo.dir);
    expect(fs.existsSync(path.join(repo.dir, 'HEAD'))).toBe(true);
    expect(fs.readdirSync(dataDir())).toEqual([path.basename(repo.dir)]); // no temp dir left behind
    expect(server.log.some((l) => l.endsWith(' 401'))).toBe(true);
    expect(await repo.defaultBranch()).toBe('main');
    expect(await repo.resolveRevision()).toBe(work.head());
    expect(await repo.resolveRevision('v1')).toBe(work.head());
    expect(await repo.branches()).toEqual([
      { name: 'feature', sha: work.head() },
      { name: 'main', sha: work.head() },
    ]);
    expect((await repo.snapshot(work.head()).readFile('apps/app3/deploy.yaml'))?.text).toBe('replicas: 30\n');
    expect(gitSync(repo.gitdir, 'fsck', '--no-progress')).toBe('');
    expect(gitSync(repo.gitdir, 'config', 'remote.origin.url')).toBe(url); // no credentials stored
  });

  it('fetches incrementally: false when nothing changed, true for new commits, tags and deleted branches', async () => {
    expect(await time('no-op fetch', () => repo.fetch())).toBe(false);
    const next = work.commit('scale app5', { 'apps/app5/deploy.yaml': 'replicas: 50\n' });
    work.git('push', '-q', 'origin', 'main');
    expect(await time('fetch of one new commit', () => repo.fetch())).toBe(true);
    expect(await repo.resolveRevision('main')).toBe(next);
    expect(await repo.changedFiles(work.git('rev-parse', `${next}~1`), next)).toEqual([
      { path: 'apps/app5/deploy.yaml', change: 'modified' },
    ]);

    work.git('push', '-q', 'origin', '--delete', 'feature');
    work.git('tag', 'v2');
    work.git('push', '-q', 'origin', 'v2');
    expect(await repo.fetch()).toBe(true);
    expect((await repo.branches()).map((b) => b.name)).toEqual(['main']);
    expect(await repo.resolveRevision('v2')).toBe(next);
    await expect(repo.resolveRevision('feature')).rejects.toThrow(/"feature" not found/);
    expect(await repo.fetch()).toBe(false);
  });

  it('reverts and pushes: the revert commit lands in the served repository', async () => {
    const target = work.git('rev-parse', 'main~1'); // "scale app3"
    const twin = path.join(tmp, 'twin');
    gitSync(tmp, 'clone', '-q', served, twin);
    gitSync(twin, 'revert', '--no-edit', target);
    const expectedTree = gitSync(twin, 'rev-parse', 'HEAD^{tree}');

    const sha = await time('revert', () => repo.revert({ sha: target, branch: 'main', author }));
    expect(gitSync(served, 'rev-parse', 'main')).not.toBe(sha); // not pushed yet
    expect(await repo.resolveRevision('main')).not.toBe(sha); // main is what the server has
    await time('push', () => repo.push('main'));
    expect(gitSync(served, 'rev-parse', 'main')).toBe(sha);
    expect(gitSync(served, 'rev-parse', 'main^{tree}')).toBe(expectedTree);
    expect(gitSync(served, 'log', '-1', '--format=%s', 'main')).toBe('Revert "scale app3"');
    expect(gitSync(served, 'fsck', '--no-progress')).toBe('');
    expect(await repo.resolveRevision('main')).toBe(sha);
    expect(await repo.fetch()).toBe(false);
  });

  it('refuses a push that is not a fast-forward with a clear error', async () => {
    const behind = work.git('rev-parse', 'main'); // the work repo has not seen the revert
    const sha = await repo.revert({ sha: behind, branch: 'main', author }); // revert "scale app5"
    work.git('pull', '-q', '--no-rebase', 'origin', 'main');
    work.commit('concurrent change', { 'apps/app9/deploy.yaml': 'replicas: 90\n' });
    work.git('push', '-q', 'origin', 'main');
    await repo.fetch();
    await expect(repo.push('main')).rejects.toThrow(/push of branch main to http:\/\/127\.0\.0\.1:\d+\/deploy\.git failed: the branch moved on the server/);
    expect(gitSync(served, 'rev-parse', 'main')).toBe(work.head());
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reopens an existing mirror without cloning and fetches it', async () => {
    const next = work.commit('scale app7', { 'apps/app7/deploy.yaml': 'replicas: 70\n' });
    work.git('push', '-q', 'origin', 'main');
    const again = await time('reopen existing mirror (incl. fetch)', () =>
      openRepository({ repoURL: url, dataDir: dataDir(), auth: { username: 'alice', password: 'wonderland' } }),
    );
    try {
      expect(again.dir).toBe(repo.dir);
      expect(await again.resolveRevision('main')).toBe(next);
    } finally {
      await again.close();
    }
  });

  it('authenticates with a token (token as user, x-oauth-basic as password)', async () => {
    const dir = path.join(tmp, 'data-token');
    const r = await openRepository({ repoURL: url, dataDir: dir, auth: { token: 'tok-123' } });
    try {
      expect(await r.resolveRevision('main')).toBe(work.head());
    } finally {
      await r.close();
    }
  });

  it('gives a clear error for bad or missing credentials and leaves nothing behind', async () => {
    const dir = path.join(tmp, 'data-bad');
    const bad = await openRepository({ repoURL: url, dataDir: dir, auth: { username: 'alice', password: 'wrong' } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(GitAuthError);
    expect((bad as Error).message).toMatch(/authentication to http:\/\/127\.0\.0\.1:\d+\/deploy\.git failed \(HTTP 401\): the configured username\/password\/token was rejected/);
    const none = await openRepository({ repoURL: url, dataDir: dir }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(GitAuthError);
    expect((none as Error).message).toMatch(/requires credentials and none are configured/);
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
    const missing = await openRepository({ repoURL: server.url('nope.git'), dataDir: dir, auth: { username: 'alice', password: 'wonderland' } }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/clone of http:\/\/127\.0\.0\.1:\d+\/nope\.git failed: HTTP 404/);
  });
});
