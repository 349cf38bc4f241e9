// Where `app diff` and `audit` keep mirrors of remote repositories, and which
// revision of an app they read by default.
import { describe, expect, it } from 'vitest';
import type { Application } from '../../../src/api/generated/index.js';
import { repoCacheDir, targetOf } from '../../../src/cli/repo.js';

describe('repoCacheDir', () => {
  it('uses $XDG_CACHE_HOME when absolute, else ~/.cache', () => {
    expect(repoCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/u')).toBe('/var/cache/me/gitplane/repos');
    expect(repoCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe('/home/u/.cache/gitplane/repos');
    expect(repoCacheDir({}, '/home/u')).toBe('/home/u/.cache/gitplane/repos');
  });
});

describe('targetOf', () => {
  const app = (targetRevision?: string): Application => ({
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a' },
    spec: { source: { repoURL: '/r', ...(targetRevision !== undefined ? { targetRevision } : {}) }, destination: {} },
  });

  it('reads HEAD (the default branch) as no revision, anything else as given; --revision wins', () => {
    expect(targetOf(app())).toBeUndefined();
    expect(targetOf(app('HEAD'))).toBeUndefined();
    expect(targetOf(app('release-1'))).toBe('release-1');
    expect(targetOf(app('release-1'), 'feature/x')).toBe('feature/x');
  });
});
