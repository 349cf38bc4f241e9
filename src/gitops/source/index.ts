// gitops/source: Git access for the GitOps engine on isomorphic-git — open a
// local or HTTP(S) repository, resolve revisions, read snapshots incrementally,
// diff, log, revert and push; watch local refs, poll remotes, parse webhooks.

export { openRepository, type GitRepository, type OpenRepositoryOptions, type RevertOptions } from './repository.js';
export type { BranchInfo } from './refs.js';
export type { FileChange, FileChangeKind } from './changes.js';
export type { LogEntry, LogOptions } from './history.js';
export type { CacheLimits, ReadStats } from './objects.js';
export { gitAuthFromSecret, type GitAuthOptions } from './remote.js';
export { GitAuthError, GitSourceError, RevertConflictError, RevertError, RevisionNotFoundError, redactURL } from './errors.js';
export { watchRepository, type RepositoryWatcher, type WatchOptions } from './watch.js';
export { DEFAULT_POLL, schedulePoll, validatePoll, type PollHandle, type PollOptions } from './poll.js';
export { normaliseRepoURL, parsePushWebhook, repoMatches, type WebhookProvider, type WebhookResult } from './webhook.js';
export { initRepositoryFrom, type InitFromOptions } from './init.js';
