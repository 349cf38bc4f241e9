// openRepository: one Git repository as gitops/source sees it. A local path
// (normal or bare) is read in place; an http(s) URL is mirrored under dataDir
// and fetched on demand. Object reads are cached per repository (see objects.ts).

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as git from 'isomorphic-git';
import type { CommitInfo, RepoSnapshot } from '../types.js';
import { changedFiles, type FileChange } from './changes.js';
import { GitSourceError, RevertError, RevisionNotFoundError, redactURL } from './errors.js';
import { logHistory, toCommitInfo, type LogEntry, type LogOptions } from './history.js';
import { ObjectReader, type CacheLimits, type ReadStats } from './objects.js';
import { RefResolver, type BranchInfo } from './refs.js';
import { cloneMirror, fetchAll, pushBranch, remoteRefState, type GitAuthOptions } from './remote.js';
import { prepareRevert } from './revert.js';
import { createSnapshot } from './snapshot.js';
import { dirtyPaths, hasWorktree, updateWorktree } from './worktree.js';

export interface OpenRepositoryOptions {
  /** An absolute path or file:// URL (read in place), or an http(s):// URL (mirrored). */
  repoURL: string;
  /** Where remote mirrors live: <dataDir>/<sha1 of repoURL>. Unused for local repositories. */
  dataDir: string;
  auth?: GitAuthOptions;
  /** isomorphic-git's cache object; one per repository (a fresh one by default). */
  cache?: object;
  cacheLimits?: CacheLimits;
  /** Fetch an already-cloned mirror while opening it (default true); a first open always clones. */
  fetchOnOpen?: boolean;
}

export interface RevertOptions {
  /** The commit to revert (any revision). */
  sha: string;
  /** The branch to put the revert commit on. */
  branch: string;
  author: { name: string; email: string };
  message?: string;
  now?: Date;
}

export interface GitRepository {
  readonly repoURL: string;
  readonly local: boolean;
  readonly dir: string;
  readonly gitdir: string;
  /** Object cache misses and hits since open. */
  readonly stats: Readonly<ReadStats>;
  fetch(): Promise<boolean>;
  resolveRevision(rev?: string): Promise<string>;
  branches(): Promise<BranchInfo[]>;
  defaultBranch(): Promise<string>;
  commitInfo(sha: string): Promise<CommitInfo>;
  snapshot(sha: string): RepoSnapshot;
  changedFiles(fromSha: string | undefined, toSha: string, dir?: string): Promise<FileChange[]>;
  log(opts?: LogOptions): Promise<LogEntry[]>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  revert(opts: RevertOptions): Promise<string>;
  push(branch: string): Promise<void>;
  close(): Promise<void>;
}

export async function openRepository(opts: OpenRepositoryOptions): Promise<GitRepository> {
  const url = opts.repoURL.trim();
  const cache = opts.cache ?? {};
  if (/^https?:\/\//i.test(url)) {
    if (!opts.dataDir) throw new GitSourceError(`a dataDir is needed to mirror ${redactURL(url)}`);
    const dir = path.join(opts.dataDir, createHash('sha1').update(url).digest('hex'));
    const cloned = await ensureMirror(url, dir, opts.auth, cache);
    const repo = new Repository(url, false, dir, dir, false, opts.auth, cache, opts.cacheLimits);
    if (!cloned && opts.fetchOnOpen !== false) await repo.fetch();
    return repo;
  }
  let local: string;
  if (/^file:\/\//i.test(url)) local = fileURLToPath(url);
  else if (path.isAbsolute(url)) local = url;
  else {
    throw new GitSourceError(
      `unsupported repoURL "${redactURL(url)}": use an absolute path, a file:// URL or an http(s):// URL (ssh and git:// are not supported)`,
    );
  }
  const { dir, gitdir } = locateGitDir(path.resolve(local), url);
  return new Repository(url, true, dir, gitdir, await hasWorktree(dir, gitdir), undefined, cache, opts.cacheLimits);
}

function locateGitDir(dir: string, url: string): { dir: string; gitdir: string } {
  const dotGit = path.join(dir, '.git');
  const st = fs.statSync(dotGit, { throwIfNoEntry: false });
  if (st?.isDirectory()) return { dir, gitdir: dotGit };
  if (st?.isFile()) {
    const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    if (m) return { dir, gitdir: path.resolve(dir, m[1].trim()) };
  }
  if (fs.existsSync(path.join(dir, 'HEAD')) && fs.existsSync(path.join(dir, 'objects'))) return { dir, gitdir: dir };
  throw new GitSourceError(`not a git repository: ${url} (no .git directory, and not a bare repository)`);
}

/** Clone the mirror unless it exists; true when it was cloned now. */
async function ensureMirror(url: string, dir: string, auth: GitAuthOptions | undefined, cache: object): Promise<boolean> {
  if (fs.existsSync(path.join(dir, 'HEAD'))) return false;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.rmSync(dir, { recursive: true, force: true }); // a leftover without HEAD is not a usable mirror
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await cloneMirror(url, tmp, auth, cache);
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      if (!fs.existsSync(path.join(dir, 'HEAD'))) throw err; // someone else finished the same clone first
    }
    return true;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

class Repository implements GitRepository {
  private readonly reader: ObjectReader;
  private readonly refs: RefResolver;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly repoURL: string,
    readonly local: boolean,
    readonly dir: string,
    readonly gitdir: string,
    private readonly worktree: boolean,
    private readonly auth: GitAuthOptions | undefined,
    private readonly cache: object,
    limits: CacheLimits | undefined,
  ) {
    this.reader = new ObjectReader(gitdir, cache, limits);
    this.refs = new RefResolver(gitdir, local, repoURL, cache);
  }

  get stats(): Readonly<ReadStats> {
    return this.reader.stats;
  }

  fetch(): Promise<boolean> {
    if (this.local) return Promise.resolve(false);
    return this.exclusive(async () => {
      const before = await remoteRefState(this.gitdir);
      await fetchAll(this.gitdir, this.repoURL, this.auth, this.cache);
      return (await remoteRefState(this.gitdir)) !== before;
    });
  }

  resolveRevision(rev?: string): Promise<string> {
    this.open();
    return this.refs.resolve(rev);
  }

  branches(): Promise<BranchInfo[]> {
    this.open();
    return this.refs.branches();
  }

  defaultBranch(): Promise<string> {
    this.open();
    return this.refs.defaultBranch();
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    const oid = await this.resolveRevision(sha);
    return toCommitInfo(oid, await this.reader.commit(oid));
  }

  snapshot(sha: string): RepoSnapshot {
    this.open();
    return createSnapshot(this.reader, sha);
  }

  async changedFiles(fromSha: string | undefined, toSha: string, dir?: string): Promise<FileChange[]> {
    const from = fromSha ? await this.resolveRevision(fromSha) : undefined;
    return changedFiles(this.reader, from, await this.resolveRevision(toSha), dir);
  }

  async log(opts: LogOptions = {}): Promise<LogEntry[]> {
    return logHistory(this.reader, await this.resolveRevision(opts.ref), opts);
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const [a, d] = await Promise.all([this.resolveRevision(ancestor), this.resolveRevision(descendant)]);
    if (a === d) return true;
    return git.isDescendent({ fs, gitdir: this.gitdir, oid: d, ancestor: a, depth: -1, cache: this.cache });
  }

  revert(opts: RevertOptions): Promise<string> {
    return this.exclusive(async () => {
      const sha = await this.refs.resolve(opts.sha);
      const headRef = this.refs.branchRef(opts.branch);
      const readHead = () => git.resolveRef({ fs, gitdir: this.gitdir, ref: headRef }).catch(() => undefined);
      const head = await readHead();
      if (!head) throw new RevisionNotFoundError(opts.branch, this.repoURL, 'no such branch to revert on');
      const prepared = await prepareRevert({ reader: this.reader, sha, branch: opts.branch, head });
      const checkedOut = this.worktree && (await git.currentBranch({ fs, gitdir: this.gitdir })) === opts.branch;
      if (checkedOut) {
        const dirty = await dirtyPaths(this.dir, this.gitdir, prepared.changedPaths, this.cache);
        if (dirty.length) {
          throw new RevertError(`local changes to ${dirty.join(', ')} would be overwritten by the revert; commit or stash them first`);
        }
      }
      const commit = await prepared.write({ gitdir: this.gitdir, author: opts.author, message: opts.message, now: opts.now });
      if ((await readHead()) !== head) throw new RevertError(`branch ${opts.branch} moved while reverting; try again`);
      await git.writeRef({ fs, gitdir: this.gitdir, ref: `refs/heads/${opts.branch}`, value: commit, force: true });
      if (checkedOut) await updateWorktree(this.dir, this.gitdir, opts.branch, prepared.changedPaths, this.cache);
      return commit;
    });
  }

  push(branch: string): Promise<void> {
    if (this.local) return Promise.resolve();
    return this.exclusive(() => pushBranch(this.gitdir, this.repoURL, branch, this.auth, this.cache));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.reader.clear();
  }

  private open(): void {
    if (this.closed) throw new GitSourceError(`repository ${redactURL(this.repoURL)} is closed`);
  }

  /** Run ref-changing operations (fetch, revert, push) one at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.open();
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
