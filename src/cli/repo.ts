// The repository of an Application, opened on this machine for `app diff` and
// `audit`: a local path is read in place; a remote URL is mirrored under
// $XDG_CACHE_HOME/gitplane/repos (default ~/.cache/gitplane/repos), with the
// app's secretRef credentials when the user may read that Secret.

import { homedir } from 'node:os';
import path from 'node:path';
import type { Application } from '../api/generated/index.js';
import type { Client } from '../client/index.js';
import type { GitAuthOptions, GitRepository } from '../gitops/source/index.js';

export function repoCacheDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(base, 'gitplane', 'repos');
}

async function credentials(client: Client, app: Application): Promise<GitAuthOptions | undefined> {
  const ref = app.spec.source.secretRef;
  if (!ref) return undefined;
  try {
    const secret = await client.secrets.namespace(app.metadata.namespace ?? 'default').get(ref.name);
    const { gitAuthFromSecret } = await import('../gitops/source/index.js');
    return gitAuthFromSecret(secret);
  } catch {
    return undefined; // not allowed to read it: try without (public repositories still work)
  }
}

/** Open (and for a remote, fetch) the app's repository. Close it when done. */
export async function openAppRepository(client: Client, app: Application): Promise<GitRepository> {
  const { openRepository } = await import('../gitops/source/index.js');
  const url = app.spec.source.repoURL;
  const remote = /^https?:\/\//i.test(url);
  const auth = remote ? await credentials(client, app) : undefined;
  return openRepository({ repoURL: url, dataDir: repoCacheDir(), ...(auth ? { auth } : {}) });
}

/** The app's targetRevision as resolveRevision wants it ("HEAD" → the default branch). */
export function targetOf(app: Application, override?: string): string | undefined {
  const rev = override ?? app.spec.source.targetRevision ?? 'HEAD';
  return rev === 'HEAD' || rev === '' ? undefined : rev;
}
