// Noticing new commits in a local repository: chokidar on the git dir (only
// HEAD, packed-refs and refs/** kept) triggers a cheap stat fingerprint of the
// refs, and onChange fires when it differs. chokidar's own events throttle and
// sometimes lose rename-over writes, so its unthrottled raw events trigger too.

import fs from 'node:fs/promises';
import path from 'node:path';
import { watch } from 'chokidar';
import { GitSourceError } from './errors.js';
import type { GitRepository } from './repository.js';

export interface RepositoryWatcher {
  /** Resolves once the watcher is armed (and onChange has been called once). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Collapse bursts of ref events (a commit writes a lock file, then renames it) — default 10 ms. */
  debounceMs?: number;
  /** Re-check this long after an event, past chokidar's 50 ms per-file throttle — default 60 ms. */
  recheckMs?: number;
  /** Also compare the fingerprint this often, in case the OS drops an event — default 2000 ms, 0 = never. */
  pollMs?: number;
  onError?: (err: Error) => void;
}

/** Files below a git dir that say a branch, tag or HEAD moved. */
export function isRefPath(gitdir: string, file: string): boolean {
  const rel = path.relative(gitdir, file).split(path.sep).join('/');
  return rel === '' || rel === 'HEAD' || rel === 'packed-refs' || rel === 'refs' || rel.startsWith('refs/');
}

/** inode, mtime and size of HEAD, packed-refs and every loose ref (lock files left out). */
export async function refsFingerprint(gitdir: string): Promise<string> {
  const parts: string[] = [];
  const add = async (rel: string) => {
    const st = await fs.stat(path.join(gitdir, rel)).catch(() => undefined);
    if (st?.isFile()) parts.push(`${rel}:${st.ino}:${st.mtimeMs}:${st.size}`);
  };
  await add('HEAD');
  await add('packed-refs');
  const entries = await fs.readdir(path.join(gitdir, 'refs'), { recursive: true }).catch(() => [] as string[]);
  for (const e of entries.sort()) if (!e.endsWith('.lock')) await add(path.join('refs', e));
  return parts.join('\n');
}

export function watchRepository(repo: GitRepository, onChange: () => void, opts: WatchOptions = {}): RepositoryWatcher {
  if (!repo.local) {
    throw new GitSourceError(`watchRepository works on local repositories only; poll ${repo.repoURL} with schedulePoll and fetch()`);
  }
  const debounceMs = opts.debounceMs ?? 10;
  const recheckMs = Math.max(opts.recheckMs ?? 60, debounceMs);
  let closed = false;
  let last: string | undefined;
  let checking: Promise<void> | undefined;
  let again = false;
  const timers = new Set<NodeJS.Timeout>();
  let debounceTimer: NodeJS.Timeout | undefined;
  let recheckTimer: NodeJS.Timeout | undefined;

  const check = (): Promise<void> => {
    if (checking) {
      again = true;
      return checking;
    }
    checking = (async () => {
      do {
        again = false;
        const fp = await refsFingerprint(repo.gitdir);
        if (!closed && fp !== last) {
          last = fp;
          onChange();
        }
      } while (again && !closed);
    })()
      .catch((err: unknown) => opts.onError?.(err instanceof Error ? err : new Error(String(err))))
      .finally(() => (checking = undefined));
    return checking;
  };
  const later = (old: NodeJS.Timeout | undefined, ms: number): NodeJS.Timeout => {
    if (old) {
      clearTimeout(old);
      timers.delete(old);
    }
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) void check();
    }, ms);
    timers.add(t);
    return t;
  };
  const onEvent = () => {
    if (closed) return;
    debounceTimer = later(debounceTimer, debounceMs);
    // Not postponed by later events: changes chokidar swallowed since the first one are seen
    // as soon as its throttle window is over.
    if (!recheckTimer || !timers.has(recheckTimer)) recheckTimer = later(undefined, recheckMs);
  };

  const watcher = watch(repo.gitdir, {
    ignored: (file: string) => !isRefPath(repo.gitdir, file),
    ignoreInitial: true,
    atomic: false,
    followSymlinks: false,
  });
  watcher.on('all', onEvent);
  // Raw fs.watch events: unthrottled. A directory watcher reports "main.lock" / "main" by name,
  // a file watcher its own name.
  watcher.on('raw', (_event: string, evPath: string, details: unknown) => {
    const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (!watched || !evPath) return onEvent();
    const full = path.isAbsolute(evPath) ? evPath : path.basename(watched) === evPath ? watched : path.join(watched, evPath);
    if (isRefPath(repo.gitdir, full.replace(/\.lock$/, ''))) onEvent();
  });
  const poll = (opts.pollMs ?? 2000) > 0 ? setInterval(() => void check(), opts.pollMs ?? 2000) : undefined;
  poll?.unref();
  watcher.on('error', (err) => opts.onError?.(err instanceof Error ? err : new Error(String(err))));

  const ready = new Promise<void>((resolve) => {
    watcher.once('ready', () => {
      // chokidar's "ready" is not always fully armed (see the ref doc): report once, unconditionally.
      void refsFingerprint(repo.gitdir)
        .then((fp) => {
          last = fp;
          if (!closed) onChange();
        })
        .catch((err: unknown) => opts.onError?.(err instanceof Error ? err : new Error(String(err))))
        .finally(resolve);
    });
  });

  return {
    ready,
    async close() {
      closed = true;
      if (poll) clearInterval(poll);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await watcher.close();
      await checking;
    },
  };
}
