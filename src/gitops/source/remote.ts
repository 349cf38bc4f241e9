// HTTP(S) remotes through isomorphic-git: clone a bare-like mirror (no
// checkout, all branches and tags), fetch with pruning, push one branch.
// Credentials go through onAuth only, never into the URL or the config.

import fs from 'node:fs';
import * as git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { GitAuthError, GitSourceError, redactURL } from './errors.js';
import { REMOTE } from './refs.js';

export interface GitAuthOptions {
  username?: string;
  password?: string;
  /** An access token: with a username, sent as the password; alone, as user with password "x-oauth-basic" (GitHub style). */
  token?: string;
}

/** The `username`, `password` and `token` keys of a Secret (base64 `data`, or `stringData`). */
export function gitAuthFromSecret(secret: { data?: Record<string, string>; stringData?: Record<string, string> }): GitAuthOptions {
  const auth: GitAuthOptions = {};
  for (const key of ['username', 'password', 'token'] as const) {
    const encoded = secret.data?.[key];
    const value = encoded !== undefined ? Buffer.from(encoded, 'base64').toString('utf8') : secret.stringData?.[key];
    if (value !== undefined) auth[key] = value;
  }
  return auth;
}

export function hasCredentials(auth: GitAuthOptions | undefined): boolean {
  return Boolean(auth && (auth.token || auth.username || auth.password));
}

/** isomorphic-git callbacks: answer the server's 401 once with the configured credentials. */
export function authCallbacks(auth: GitAuthOptions | undefined): { onAuth?: git.AuthCallback } {
  if (!hasCredentials(auth)) return {};
  const a = auth as GitAuthOptions;
  const creds: git.GitAuth = a.token
    ? a.username
      ? { username: a.username, password: a.token }
      : { username: a.token, password: 'x-oauth-basic' }
    : { username: a.username ?? '', password: a.password ?? '' };
  return { onAuth: () => creds };
}

/** Turn isomorphic-git's HTTP and transport errors into messages that name the repository. */
export function remoteError(err: unknown, url: string, auth: GitAuthOptions | undefined, action: string): Error {
  const e = err as { code?: string; data?: { statusCode?: number; statusMessage?: string; reason?: string }; message?: string };
  const status = e?.data?.statusCode;
  if (e?.code === 'HttpError' && (status === 401 || status === 403)) {
    return new GitAuthError(url, status, hasCredentials(auth));
  }
  let detail = e?.code === 'HttpError' ? `HTTP ${status} ${e.data?.statusMessage ?? ''}`.trim() : (e?.message ?? String(err));
  if (e?.code === 'PushRejectedError') {
    detail = 'the branch moved on the server since the last fetch (not a fast-forward); fetch and try again';
  }
  const wrapped = new GitSourceError(`${action} ${redactURL(url)} failed: ${detail}`);
  (wrapped as { cause?: unknown }).cause = err;
  return wrapped;
}

/** Clone `url` into `dir` (used as the git dir itself: no worktree, no checkout). */
export async function cloneMirror(url: string, dir: string, auth: GitAuthOptions | undefined, cache: object): Promise<void> {
  try {
    await git.clone({
      fs,
      http,
      dir,
      gitdir: dir,
      url,
      remote: REMOTE,
      noCheckout: true,
      singleBranch: false,
      noTags: false,
      cache,
      ...authCallbacks(auth),
    });
    await git.setConfig({ fs, gitdir: dir, path: 'core.bare', value: true });
  } catch (err) {
    throw remoteError(err, url, auth, 'clone of');
  }
}

/** Fetch every branch and tag, pruning branches and tags the server no longer has. */
export async function fetchAll(gitdir: string, url: string, auth: GitAuthOptions | undefined, cache: object): Promise<void> {
  try {
    await git.fetch({
      fs,
      http,
      gitdir,
      remote: REMOTE,
      singleBranch: false,
      tags: true,
      prune: true,
      pruneTags: true,
      cache,
      ...authCallbacks(auth),
    });
  } catch (err) {
    throw remoteError(err, url, auth, 'fetch from');
  }
}

/** Push local `refs/heads/<branch>` to the same branch of the server (fast-forward only). */
export async function pushBranch(gitdir: string, url: string, branch: string, auth: GitAuthOptions | undefined, cache: object): Promise<void> {
  try {
    await git.push({
      fs,
      http,
      gitdir,
      remote: REMOTE,
      ref: `refs/heads/${branch}`,
      remoteRef: `refs/heads/${branch}`,
      cache,
      ...authCallbacks(auth),
    });
  } catch (err) {
    throw remoteError(err, url, auth, `push of branch ${branch} to`);
  }
}

/** Every remote-tracking ref and tag with its value, as one comparable string. */
export async function remoteRefState(gitdir: string): Promise<string> {
  const lines: string[] = [];
  for (const [prefix, names] of [
    [`refs/remotes/${REMOTE}`, await git.listRefs({ fs, gitdir, filepath: `refs/remotes/${REMOTE}` })],
    ['refs/tags', await git.listRefs({ fs, gitdir, filepath: 'refs/tags' })],
  ] as const) {
    for (const name of [...names].sort()) {
      const ref = `${prefix}/${name}`;
      const value = await git.resolveRef({ fs, gitdir, ref, depth: 2 }).catch(() => '?');
      lines.push(`${ref} ${value}`);
    }
  }
  return lines.join('\n');
}
