// One open GitRepository per repoURL, shared by every Application that uses it,
// with its change detection: chokidar on a local repo's refs, node-cron polling
// for a remote, and refresh() for the push webhook. Subscribers (apps) are told
// when refs may have moved; they then resolve their own revision.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_POLL, openRepository, schedulePoll, watchRepository, type GitAuthOptions, type GitRepository } from '../source/index.js';

interface Entry {
  url: string;
  repo: Promise<GitRepository>;
  subscribers: Map<string, () => void>;
  stopWatch?: () => Promise<void>;
  credentialsHash: string;
  fetching?: Promise<boolean>;
}

export interface RepoManagerOptions {
  dataDir: string;
  log: (message: string, err?: unknown) => void;
  /** Poll expression for remotes when an app does not set one. */
  defaultPoll?: string;
}

export class RepoManager {
  private readonly entries = new Map<string, Entry>();
  private readonly cache = {};

  constructor(private readonly opts: RepoManagerOptions) {}

  /**
   * The repository for `url`, opened (cloned, for a remote) on first use; `onChange` is called
   * (under `subscriber`) whenever its refs may have moved. Opening again with other
   * credentials re-opens it.
   */
  async open(url: string, subscriber: string, onChange: () => void, creds?: GitAuthOptions, poll?: string): Promise<GitRepository> {
    const key = normalizeUrl(url);
    const credentialsHash = hash(JSON.stringify(creds ?? {}));
    let entry = this.entries.get(key);
    if (entry && entry.credentialsHash !== credentialsHash) {
      await this.closeEntry(key, entry);
      entry = undefined;
    }
    if (!entry) {
      const created: Entry = { url, subscribers: new Map(), credentialsHash, repo: Promise.resolve(undefined as never) };
      created.repo = this.start(created, creds, poll);
      entry = created;
      this.entries.set(key, entry);
      entry.repo.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    entry.subscribers.set(subscriber, onChange);
    return entry.repo;
  }

  /** The repository for `url` if it is open (without subscribing). */
  peek(url: string): Promise<GitRepository> | undefined {
    return this.entries.get(normalizeUrl(url))?.repo;
  }

  /** Stop telling `subscriber` about `url`; the last one out closes the repository. */
  async release(url: string, subscriber: string): Promise<void> {
    const key = normalizeUrl(url);
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.subscribers.delete(subscriber);
    if (entry.subscribers.size === 0) await this.closeEntry(key, entry);
  }

  /**
   * Fetch (remote) and notify subscribers: the push webhook's path. Returns the subscribers
   * notified for repositories whose URL `matches`.
   */
  async refresh(matches: (url: string) => boolean): Promise<string[]> {
    const notified: string[] = [];
    for (const entry of this.entries.values()) {
      if (!matches(entry.url)) continue;
      await this.fetch(entry);
      for (const [name, fn] of entry.subscribers) {
        notified.push(name);
        fn();
      }
    }
    return notified;
  }

  async close(): Promise<void> {
    for (const [key, entry] of [...this.entries]) await this.closeEntry(key, entry);
  }

  private async start(entry: Entry, creds: GitAuthOptions | undefined, poll: string | undefined): Promise<GitRepository> {
    const repo = await openRepository({
      repoURL: entry.url,
      dataDir: path.join(this.opts.dataDir, 'repos'),
      ...(creds ? { auth: creds } : {}),
      cache: this.cache,
    });
    const notify = (): void => {
      for (const fn of entry.subscribers.values()) fn();
    };
    if (repo.local) {
      const watcher = watchRepository(repo, notify, { debounceMs: 5 });
      await watcher.ready;
      entry.stopWatch = () => watcher.close();
    } else {
      const task = schedulePoll(poll ?? this.opts.defaultPoll ?? DEFAULT_POLL, () => {
        void this.fetch(entry).then((changed) => changed && notify());
      });
      entry.stopWatch = () => task.stop();
    }
    return repo;
  }

  private fetch(entry: Entry): Promise<boolean> {
    // One fetch at a time per repository; callers arriving meanwhile share it.
    if (!entry.fetching) {
      entry.fetching = entry.repo
        .then((repo) => repo.fetch())
        .catch((err) => {
          this.opts.log(`fetching ${entry.url} failed`, err);
          return false;
        })
        .finally(() => (entry.fetching = undefined));
    }
    return entry.fetching;
  }

  private async closeEntry(key: string, entry: Entry): Promise<void> {
    this.entries.delete(key);
    await entry.stopWatch?.().catch(() => undefined);
    const repo = await entry.repo.catch(() => undefined);
    repo?.close();
  }
}

function hash(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

/** Local paths resolved, URLs compared without a trailing slash or ".git". */
export function normalizeUrl(url: string): string {
  if (/^[a-z]+:\/\//i.test(url) && !url.startsWith('file://')) return url.replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase();
  return path.resolve(url.replace(/^file:\/\//, ''));
}
