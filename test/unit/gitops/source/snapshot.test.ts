// Snapshots list and read files of a commit, and re-read only what changed:
// the repository's stats count tree and blob cache misses.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository, type GitRepository } from '../../../../src/gitops/source/index.js';
import { initRepo, tempDir, type TestRepo } from '../../../support/git.js';

function files(n: number, dirs: string[]): Record<string, string> {
  const out: Record<string, string> = { 'README.md': '# demo\n' };
  for (const d of dirs) for (let i = 0; i < n; i++) out[`${d}/f${i}.yaml`] = `kind: ConfigMap\nmetadata:\n  name: ${d.replace(/\//g, '-')}-${i}\n`;
  return out;
}

describe('gitops/source: snapshots', () => {
  let tmp: string;
  let src: TestRepo;
  let repo: GitRepository;
  let first: string;

  beforeAll(async () => {
    tmp = tempDir();
    src = initRepo(tmp);
    first = src.commit('initial', { ...files(5, ['apps/web', 'apps/db', 'infra']), 'apps/web/nested/deep.yaml': 'x: 1\n', 'bin.dat': '\u00e9t\u00e9\n' });
    repo = await openRepository({ repoURL: src.dir, dataDir: tmp });
  });

  afterAll(async () => {
    await repo?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('lists files of a directory, with and without recursion, like git ls-tree', async () => {
    const snap = repo.snapshot(first);
    expect(snap.revision).toBe(first);
    const all = await snap.listFiles('', true);
    const lsTree = src.git('ls-tree', '-r', first).split('\n').map((l) => {
      const [meta, path] = l.split('\t');
      return { path, oid: meta.split(' ')[2] };
    });
    expect(all).toEqual(lsTree.sort((a, b) => (a.path < b.path ? -1 : 1)));
    expect((await snap.listFiles('apps/web', false)).map((f) => f.path)).toEqual([0, 1, 2, 3, 4].map((i) => `apps/web/f${i}.yaml`));
    expect((await snap.listFiles('./apps/web/', true)).map((f) => f.path)).toContain('apps/web/nested/deep.yaml');
    expect(await snap.listFiles('.', false)).toEqual([
      { path: 'README.md', oid: src.git('rev-parse', `${first}:README.md`) },
      { path: 'bin.dat', oid: src.git('rev-parse', `${first}:bin.dat`) },
    ]);
    expect(await snap.listFiles('missing', true)).toEqual([]);
    expect(await snap.listFiles('README.md', true)).toEqual([]);
  });

  it('reads files as UTF-8 text, undefined for directories and missing paths', async () => {
    const snap = repo.snapshot(first);
    expect(await snap.readFile('apps/db/f3.yaml')).toEqual({
      path: 'apps/db/f3.yaml',
      oid: src.git('rev-parse', `${first}:apps/db/f3.yaml`),
      text: 'kind: ConfigMap\nmetadata:\n  name: apps-db-3\n',
    });
    expect((await snap.readFile('bin.dat'))?.text).toBe('\u00e9t\u00e9\n');
    expect(await snap.readFile('apps/db')).toBeUndefined();
    expect(await snap.readFile('apps/nope.yaml')).toBeUndefined();
    expect(await snap.readFile('')).toBeUndefined();
  });

  it('refuses anything but a full SHA', () => {
    expect(() => repo.snapshot('main')).toThrow(/full commit SHA/);
  });

  it('re-reads only the trees on the changed path and the one changed blob', async () => {
    const readAll = async (sha: string) => {
      const snap = repo.snapshot(sha);
      const list = await snap.listFiles('', true);
      await Promise.all(list.map((f) => snap.readFile(f.path)));
      return list.length;
    };
    const count = await readAll(first);
    const before = { ...repo.stats };
    expect(await readAll(first)).toBe(count);
    expect(repo.stats.blobReads).toBe(before.blobReads); // all from cache
    expect(repo.stats.treeReads).toBe(before.treeReads);

    const second = src.commit('one change', { 'apps/web/nested/deep.yaml': 'x: 2\n' });
    const mid = { ...repo.stats };
    expect(await readAll(second)).toBe(count);
    expect(repo.stats.blobReads - mid.blobReads).toBe(1);
    // root, apps, apps/web, apps/web/nested are new trees; apps/db and infra are cached
    expect(repo.stats.treeReads - mid.treeReads).toBe(4);
    expect(repo.stats.commitReads - mid.commitReads).toBe(1);
    expect((await repo.snapshot(second).readFile('apps/web/nested/deep.yaml'))?.text).toBe('x: 2\n');
    expect((await repo.snapshot(first).readFile('apps/web/nested/deep.yaml'))?.text).toBe('x: 1\n');
  });

  it('works on a packed repository (git gc) and keeps the cache bounded', async () => {
    src.git('gc', '-q');
    const small = await openRepository({ repoURL: src.dir, dataDir: tmp, cacheLimits: { blobChars: 100, treeEntries: 10 } });
    try {
      const head = await small.resolveRevision('main');
      const snap = small.snapshot(head);
      const list = await snap.listFiles('', true);
      for (const f of list) expect((await snap.readFile(f.path))?.oid).toBe(f.oid);
      const reads = small.stats.blobReads;
      for (const f of list) await snap.readFile(f.path);
      // with room for ~3 blobs, a second pass must read most of them again
      expect(small.stats.blobReads - reads).toBeGreaterThan(list.length / 2);
    } finally {
      await small.close();
    }
  });
});
