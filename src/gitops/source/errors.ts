// The errors gitops/source throws: one class per failure a caller may want to
// tell apart (unknown revision, revert conflict, refused revert, auth failure).
// Messages name the revision or path and the repository, credentials redacted.

/** Base class: anything gitops/source reports about a repository. */
export class GitSourceError extends Error {
  override name = 'GitSourceError';
}

/** A revision (branch, tag, SHA, HEAD) that does not name a commit of the repository. */
export class RevisionNotFoundError extends GitSourceError {
  override name = 'RevisionNotFoundError';
  constructor(
    readonly revision: string,
    readonly repoURL: string,
    detail?: string,
  ) {
    super(`revision "${revision}" not found in ${redactURL(repoURL)}${detail ? `: ${detail}` : ''}`);
  }
}

/** A revert that cannot be done at file level: the same files changed differently since the commit. */
export class RevertConflictError extends GitSourceError {
  override name = 'RevertConflictError';
  constructor(
    readonly sha: string,
    readonly branch: string,
    readonly paths: string[],
  ) {
    super(
      `cannot revert ${sha.slice(0, 12)} on branch ${branch}: ${paths.length} path(s) changed since then: ${paths.join(', ')}`,
    );
  }
}

/** A revert refused for another reason: merge commit, nothing to revert, dirty worktree, moved branch. */
export class RevertError extends GitSourceError {
  override name = 'RevertError';
}

/** The remote refused the credentials (or asked for some and none were configured). */
export class GitAuthError extends GitSourceError {
  override name = 'GitAuthError';
  constructor(
    readonly repoURL: string,
    readonly statusCode: number,
    hadCredentials: boolean,
  ) {
    super(
      `authentication to ${redactURL(repoURL)} failed (HTTP ${statusCode}): ` +
        (hadCredentials ? 'the configured username/password/token was rejected' : 'the server requires credentials and none are configured'),
    );
  }
}

/** `https://user:secret@host/x` → `https://user:***@host/x`; anything else unchanged. */
export function redactURL(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*)(:[^/@]*)?@/i, (_m, scheme: string, user: string, pass?: string) =>
    pass ? `${scheme}${user}:***@` : `${scheme}${user ? '***' : ''}@`,
  );
}
