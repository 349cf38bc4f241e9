// Reads Git objects for one repository through isomorphic-git, keeping trees,
// blob texts and commits in bounded LRU caches keyed by oid (objects never
// change), and counting cache misses so tests can see what was re-read.

import fs from 'node:fs';
import * as git from 'isomorphic-git';
import { WeightedLRU } from './lru.js';

export interface TreeItem {
  name: string;
  mode: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

/** Cache misses (objects actually read from disk) and hits, cumulative. */
export interface ReadStats {
  treeReads: number;
  blobReads: number;
  commitReads: number;
  treeHits: number;
  blobHits: number;
}

export interface CacheLimits {
  /** Total characters of blob text kept (default 32 Mi characters). */
  blobChars?: number;
  /** Total tree entries kept (default 500 000). */
  treeEntries?: number;
  /** Commits kept (default 20 000). */
  commits?: number;
}

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** "./a/b/" → "a/b"; "" and "." → "". */
export function normalizePath(p: string | undefined): string {
  let s = (p ?? '').replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  s = s.replace(/^\/+/, '').replace(/\/+$/, '');
  return s === '.' ? '' : s;
}

export function joinPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

export class ObjectReader {
  readonly stats: ReadStats = { treeReads: 0, blobReads: 0, commitReads: 0, treeHits: 0, blobHits: 0 };
  private readonly trees: WeightedLRU<TreeItem[]>;
  private readonly blobs: WeightedLRU<string>;
  private readonly commits: WeightedLRU<git.CommitObject>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    readonly gitdir: string,
    readonly cache: object,
    limits: CacheLimits = {},
  ) {
    this.trees = new WeightedLRU(limits.treeEntries ?? 500_000, (t) => t.length);
    this.blobs = new WeightedLRU(limits.blobChars ?? 32 * 1024 * 1024, (s) => s.length);
    this.commits = new WeightedLRU(limits.commits ?? 20_000, () => 1);
  }

  /** The entries of a tree, in Git's order. */
  async tree(oid: string): Promise<TreeItem[]> {
    if (oid === EMPTY_TREE) return [];
    const hit = this.trees.get(oid);
    if (hit) {
      this.stats.treeHits++;
      return hit;
    }
    return this.once(`t${oid}`, async () => {
      this.stats.treeReads++;
      const { tree } = await git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.cache });
      const items = tree.map((e) => ({ name: e.path, mode: e.mode, oid: e.oid, type: e.type }));
      this.trees.set(oid, items);
      return items;
    });
  }

  /** A blob decoded as UTF-8. */
  async blobText(oid: string): Promise<string> {
    const hit = this.blobs.get(oid);
    if (hit !== undefined) {
      this.stats.blobHits++;
      return hit;
    }
    return this.once(`b${oid}`, async () => {
      this.stats.blobReads++;
      const { blob } = await git.readBlob({ fs, gitdir: this.gitdir, oid, cache: this.cache });
      const text = this.decoder.decode(blob);
      this.blobs.set(oid, text);
      return text;
    });
  }

  async commit(oid: string): Promise<git.CommitObject> {
    const hit = this.commits.get(oid);
    if (hit) return hit;
    return this.once(`c${oid}`, async () => {
      this.stats.commitReads++;
      const { commit } = await git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache });
      this.commits.set(oid, commit);
      return commit;
    });
  }

  /**
   * The entry at `path` below the tree `treeOid` ("" gives the tree itself), or undefined.
   * Reads only the trees on the path.
   */
  async entryAt(treeOid: string, path: string): Promise<TreeItem | undefined> {
    const p = normalizePath(path);
    let current: TreeItem = { name: '', mode: '040000', oid: treeOid, type: 'tree' };
    if (!p) return current;
    for (const segment of p.split('/')) {
      if (current.type !== 'tree') return undefined;
      const next = (await this.tree(current.oid)).find((e) => e.name === segment);
      if (!next) return undefined;
      current = next;
    }
    return current;
  }

  /** The oid of the tree at `dir` in commit `sha`, or undefined when `dir` is not a directory there. */
  async treeAt(sha: string, dir: string): Promise<string | undefined> {
    const root = (await this.commit(sha)).tree;
    const entry = await this.entryAt(root, dir);
    return entry?.type === 'tree' ? entry.oid : undefined;
  }

  clear(): void {
    this.trees.clear();
    this.blobs.clear();
    this.commits.clear();
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<T>;
    const p = read().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}
