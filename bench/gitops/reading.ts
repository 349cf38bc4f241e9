// Reading a 10,000-file commit, four ways, on one repository layout (packed or
// loose): (a) our GitRepository.snapshot of a new commit once the previous
// commit was read (caches warm: only the changed trees and blob are read),
// (b) a fresh openRepository reading every file (cold caches), (c) plain
// isomorphic-git: walk(TREE) + readBlob of every blob with one shared cache,
// (d) native git: `git ls-tree -r | git cat-file --batch`, spawned async.

import fs from 'node:fs';
import * as isogit from 'isomorphic-git';
import { openRepository, type GitRepository } from '../../src/gitops/source/index.js';
import { commitAll, configMapIndexes, editValue, git, pipeline } from './repo.js';

export interface ReadingResult {
  files: number;
  /** (a): per new commit, ms; and objects actually read per commit (from stats). */
  incremental: number[];
  incrementalReads: { blobs: number; trees: number };
  /** (b), (c), (d): ms per run (first run first). */
  freshOpen: number[];
  isoWalk: number[];
  native: number[];
}

/** listFiles + readFile of everything; returns the number of files. */
async function readAll(repo: GitRepository, sha: string): Promise<number> {
  const snap = repo.snapshot(sha);
  const files = await snap.listFiles('', true);
  const texts = await Promise.all(files.map((f) => snap.readFile(f.path)));
  if (texts.some((t) => t === undefined)) throw new Error('a listed file could not be read');
  return files.length;
}

async function isoWalkAll(gitdir: string, sha: string): Promise<number> {
  const cache = {};
  let n = 0;
  await isogit.walk({
    fs,
    gitdir,
    cache,
    trees: [isogit.TREE({ ref: sha })],
    map: async (_path, [entry]) => {
      if (!entry) return null;
      if ((await entry.type()) === 'blob') {
        await isogit.readBlob({ fs, gitdir, oid: await entry.oid(), cache });
        n++;
      }
      return true;
    },
  });
  return n;
}

export async function measureReading(opts: {
  dir: string;
  gitdir: string;
  dataDir: string;
  commits: number;
  runs: number;
  label: string;
  progress: (m: string) => void;
}): Promise<ReadingResult> {
  const { dir, gitdir, dataDir, progress } = opts;
  const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
    const t = performance.now();
    const v = await fn();
    return [performance.now() - t, v];
  };

  // (b) fresh open, cold caches (a new isomorphic-git cache object every time).
  const sha0 = await git(dir, ['rev-parse', 'HEAD']);
  const freshOpen: number[] = [];
  let files = 0;
  for (let r = 0; r < opts.runs; r++) {
    const [ms, n] = await time(async () => {
      const repo = await openRepository({ repoURL: dir, dataDir, cache: {} });
      try {
        return await readAll(repo, await repo.resolveRevision());
      } finally {
        await repo.close();
      }
    });
    freshOpen.push(ms);
    files = n;
    progress(`  ${opts.label}: (b) fresh openRepository + read all ${n} files: ${ms.toFixed(0)} ms`);
  }

  // (c) isomorphic-git walk + readBlob, shared cache per run.
  const isoWalk: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const [ms, n] = await time(() => isoWalkAll(gitdir, sha0));
    if (n !== files) throw new Error(`walk read ${n} blobs, expected ${files}`);
    isoWalk.push(ms);
    progress(`  ${opts.label}: (c) isomorphic-git walk + readBlob: ${ms.toFixed(0)} ms`);
  }

  // (d) native git.
  const native: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const [ms] = await time(() => pipeline(dir, 'git ls-tree -r --object-only HEAD | git cat-file --batch'));
    native.push(ms);
    progress(`  ${opts.label}: (d) git ls-tree -r | git cat-file --batch: ${ms.toFixed(0)} ms`);
  }

  // (a) incremental: warm the caches on HEAD, then one-line commits, each read in full.
  const repo = await openRepository({ repoURL: dir, dataDir, cache: {} });
  const incremental: number[] = [];
  const reads = { blobs: 0, trees: 0 };
  try {
    await readAll(repo, await repo.resolveRevision());
    const cms = configMapIndexes(files);
    for (let k = 0; k < opts.commits; k++) {
      const i = cms[(k * 7919 + 13) % cms.length]!;
      await editValue(dir, i, `read-${k}`);
      await commitAll(dir, `reading bench ${k}`);
      const before = { ...repo.stats };
      const [ms, n] = await time(async () => readAll(repo, await repo.resolveRevision()));
      if (n !== files) throw new Error(`read ${n} files, expected ${files}`);
      incremental.push(ms);
      reads.blobs = Math.max(reads.blobs, repo.stats.blobReads - before.blobReads);
      reads.trees = Math.max(reads.trees, repo.stats.treeReads - before.treeReads);
    }
    progress(`  ${opts.label}: (a) incremental snapshot of a new commit: ${incremental.map((v) => v.toFixed(0)).join(', ')} ms`);
  } finally {
    await repo.close();
  }
  return { files, incremental, incrementalReads: reads, freshOpen, isoWalk, native };
}
