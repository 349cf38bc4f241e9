// Revision resolution, branches, default branch and commit info of local
// repositories (normal and bare), checked against the real git CLI.

import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository, RevisionNotFoundError, GitSourceError, type GitRepository } from '../../../../src/gitops/source/index.js';
import { gitSync, initRepo, tempDir, type TestRepo } from '../../../support/git.js';

describe('gitops/source: resolving revisions in a local repository', () => {
  let tmp: string;
  let src: TestRepo;
  let repo: GitRepository;
  const shas: Record<string, string> = {};

  beforeAll(async () => {
    tmp = tempDir();
    src = initRepo(tmp);
    shas.first = src.commit('first', { 'apps/web.yaml': 'kind: Deployment\n' });
    src.git('tag', 'v1');
    src.git('tag', '-a', 'v1-annotated', '-m', 'annotated release');
    shas.second = src.commit('second\n\nwith a body', { 'apps/db.yaml': 'kind: StatefulSet\n' });
    src.git('branch', 'feature', shas.first);
    repo = await openRepository({ repoURL: src.dir, dataDir: tmp });
  });

  afterAll(async () => {
    await repo?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens in place and knows it is local', () => {
    expect(repo.local).toBe(true);
    expect(repo.dir).toBe(src.dir);
    expect(repo.gitdir).toBe(`${src.dir}/.git`);
  });

  it('resolves HEAD, empty and undefined to the checked-out branch head', async () => {
    for (const rev of [undefined, '', 'HEAD']) expect(await repo.resolveRevision(rev)).toBe(shas.second);
    expect(await repo.defaultBranch()).toBe('main');
  });

  it('resolves branches, tags (annotated ones peeled), full refs and SHAs like git rev-parse', async () => {
    for (const rev of ['main', 'feature', 'v1', 'v1-annotated', 'refs/heads/feature', 'refs/tags/v1-annotated', shas.first, shas.first.slice(0, 7), shas.first.slice(0, 4).toUpperCase()]) {
      expect(await repo.resolveRevision(rev), rev).toBe(src.git('rev-parse', `${rev}^{commit}`));
    }
  });

  it('throws RevisionNotFoundError naming the revision and the repository', async () => {
    for (const rev of ['nope', 'deadbeef', 'f'.repeat(40), 'refs/heads/nope']) {
      const err = await repo.resolveRevision(rev).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RevisionNotFoundError);
      expect((err as Error).message).toContain(`"${rev}"`);
      expect((err as Error).message).toContain(src.dir);
    }
    // a tree is not a commit
    const tree = src.git('rev-parse', 'HEAD^{tree}');
    await expect(repo.resolveRevision(tree)).rejects.toThrow(/is a tree, not a commit/);
  });

  it('lists local branches with their heads', async () => {
    expect(await repo.branches()).toEqual([
      { name: 'feature', sha: shas.first },
      { name: 'main', sha: shas.second },
    ]);
  });

  it('reads commit info as git shows it', async () => {
    const info = await repo.commitInfo(shas.second);
    expect(info.sha).toBe(shas.second);
    expect(info.parents).toEqual([shas.first]);
    expect(info.message.trim()).toBe('second\n\nwith a body');
    expect(info.author.name).toBe('Test User');
    expect(info.author.email).toBe('test@example.com');
    expect(info.committer.timestamp).toBe(Number(src.git('log', '-1', '--format=%ct', shas.second)));
  });

  it('tells whether a branch is merged (isAncestor)', async () => {
    expect(await repo.isAncestor('feature', 'main')).toBe(true);
    expect(await repo.isAncestor('main', 'feature')).toBe(false);
    expect(await repo.isAncestor('main', 'main')).toBe(true);
  });

  it('opens bare repositories and file:// URLs, and treats fetch and push as no-ops', async () => {
    const bareDir = `${tmp}/bare.git`;
    gitSync(tmp, 'clone', '-q', '--bare', src.dir, bareDir);
    const bare = await openRepository({ repoURL: pathToFileURL(bareDir).href, dataDir: tmp });
    try {
      expect(bare.local).toBe(true);
      expect(bare.gitdir).toBe(bareDir);
      expect(await bare.resolveRevision()).toBe(shas.second);
      expect(await bare.resolveRevision('v1-annotated')).toBe(shas.first);
      expect(await bare.fetch()).toBe(false);
      await bare.push('main');
    } finally {
      await bare.close();
    }
  });

  it('refuses what it cannot open with a clear error', async () => {
    await expect(openRepository({ repoURL: tmp, dataDir: tmp })).rejects.toThrow(/not a git repository/);
    await expect(openRepository({ repoURL: 'git@github.com:o/r.git', dataDir: tmp })).rejects.toThrow(GitSourceError);
    await expect(openRepository({ repoURL: 'relative/path', dataDir: tmp })).rejects.toThrow(/unsupported repoURL/);
  });

  it('reports an empty repository without commits as revision not found', async () => {
    const empty = initRepo(tmp, 'empty');
    const r = await openRepository({ repoURL: empty.dir, dataDir: tmp });
    await expect(r.resolveRevision()).rejects.toBeInstanceOf(RevisionNotFoundError);
    expect(await r.branches()).toEqual([]);
    await r.close();
  });
});
