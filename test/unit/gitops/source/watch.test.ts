// watchRepository notices commits, branch and HEAD moves and pack-refs in a
// local repository through chokidar on the git dir; latency is printed.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRefPath } from '../../../../src/gitops/source/watch.js';
import { openRepository, watchRepository, type GitRepository, type RepositoryWatcher } from '../../../../src/gitops/source/index.js';
import { GIT_ENV, initRepo, tempDir, type TestRepo } from '../../../support/git.js';

const run = promisify(execFile);

async function until(cond: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('gitops/source: watching a local repository', () => {
  let tmp: string;
  let src: TestRepo;
  let repo: GitRepository;
  let watcher: RepositoryWatcher | undefined;
  let calls = 0;

  beforeAll(async () => {
    tmp = tempDir();
    src = initRepo(tmp);
    src.commit('init', { 'a.yaml': 'a\n' });
    repo = await openRepository({ repoURL: src.dir, dataDir: tmp });
  });

  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
  });

  afterAll(async () => {
    await repo?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const git = (...args: string[]) => run('git', ['-c', 'user.name=W', '-c', 'user.email=w@example.com', ...args], { cwd: src.dir, env: GIT_ENV });

  it('keeps only HEAD, packed-refs and refs/**', () => {
    const g = '/r/.git';
    for (const p of [g, `${g}/HEAD`, `${g}/packed-refs`, `${g}/refs`, `${g}/refs/heads/main`, `${g}/refs/heads/main.lock`]) expect(isRefPath(g, p), p).toBe(true);
    for (const p of [`${g}/index`, `${g}/objects/ab/cdef`, `${g}/logs/HEAD`, `${g}/ORIG_HEAD`, `${g}/FETCH_HEAD`, `${g}/config`]) expect(isRefPath(g, p), p).toBe(false);
  });

  /** Commit `n` times (spaced by `gapMs`), timing each commit's exit → onChange. */
  async function commitLatencies(n: number, gapMs: number): Promise<number[]> {
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) {
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs)); // spacing the commits, not waiting for a result
      const before = calls;
      await git('commit', '-q', '--allow-empty', '-m', `c${i}`);
      const t0 = performance.now();
      await until(() => calls > before);
      latencies.push(performance.now() - t0);
      expect(await repo.resolveRevision()).toBe(src.head());
    }
    return latencies.sort((a, b) => a - b);
  }
  const fmt = (l: number[]) => `median ${l[l.length >> 1].toFixed(1)} ms, max ${l[l.length - 1].toFixed(1)} ms`;

  it('calls onChange once when ready, then within milliseconds of each git commit', async () => {
    watcher = watchRepository(repo, () => calls++, { debounceMs: 5, pollMs: 0 });
    await watcher.ready;
    expect(calls).toBe(1);
    const spaced = await commitLatencies(10, 100);
    const rapid = await commitLatencies(10, 0);
    console.log(`commit exit → onChange (debounce 5 ms): commits 100 ms apart ${fmt(spaced)}; back-to-back ${fmt(rapid)}`);
    expect(spaced[5]).toBeLessThan(200);
    expect(rapid[5]).toBeLessThan(200);
  });

  it('notices the first commit right after ready, new branches, checkouts and packed refs', async () => {
    watcher = watchRepository(repo, () => calls++, { pollMs: 0 });
    await watcher.ready;
    for (const args of [
      ['commit', '-q', '--allow-empty', '-m', 'right after ready'],
      ['branch', 'feature'],
      ['checkout', '-q', 'feature'],
      ['checkout', '-q', 'main'],
      ['pack-refs', '--all'],
      ['branch', '-D', 'feature'],
      ['tag', 'v1'],
    ]) {
      const before = calls;
      await git(...args);
      await until(() => calls > before, `onChange after git ${args.join(' ')}`);
    }
  });

  it('stops calling after close and refuses remote repositories', async () => {
    watcher = watchRepository(repo, () => calls++);
    await watcher.ready;
    await watcher.close();
    const before = calls;
    await git('commit', '-q', '--allow-empty', '-m', 'unwatched');
    await new Promise((r) => setTimeout(r, 100)); // a negative: give a (wrong) event time to arrive
    expect(calls).toBe(before);
    expect(() => watchRepository({ ...repo, local: false, repoURL: 'http://x/y' } as GitRepository, () => undefined)).toThrow(/local repositories only/);
  });
});
