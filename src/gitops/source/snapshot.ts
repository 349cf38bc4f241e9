// RepoSnapshot over one commit: lists and reads files lazily through the
// repository's ObjectReader, so unchanged trees and blobs come from its cache
// and a new commit that changed one file re-reads only the trees on its path.

import type { FileContent, FileEntry, RepoSnapshot } from '../types.js';
import { joinPath, normalizePath, type ObjectReader } from './objects.js';

const FULL_SHA = /^[0-9a-f]{40}$/;

export function createSnapshot(reader: ObjectReader, sha: string): RepoSnapshot {
  if (!FULL_SHA.test(sha)) {
    throw new TypeError(`snapshot needs a full commit SHA (40 lowercase hex digits), got "${sha}"; resolve the revision first`);
  }
  return {
    revision: sha,

    async listFiles(dir: string, recurse: boolean): Promise<FileEntry[]> {
      const base = normalizePath(dir);
      const treeOid = await reader.treeAt(sha, base);
      if (!treeOid) return [];
      const out: FileEntry[] = [];
      await collect(reader, treeOid, base, recurse, out);
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    async readFile(path: string): Promise<FileContent | undefined> {
      const p = normalizePath(path);
      if (!p) return undefined;
      const root = (await reader.commit(sha)).tree;
      const entry = await reader.entryAt(root, p);
      if (!entry || entry.type !== 'blob') return undefined;
      return { path: p, oid: entry.oid, text: await reader.blobText(entry.oid) };
    },
  };
}

async function collect(reader: ObjectReader, treeOid: string, dir: string, recurse: boolean, out: FileEntry[]): Promise<void> {
  const entries = await reader.tree(treeOid);
  const subtrees: Promise<void>[] = [];
  for (const e of entries) {
    if (e.type === 'blob') out.push({ path: joinPath(dir, e.name), oid: e.oid });
    else if (e.type === 'tree' && recurse) subtrees.push(collect(reader, e.oid, joinPath(dir, e.name), true, out));
    // 'commit' entries are submodules: not files of this repository.
  }
  await Promise.all(subtrees);
}
