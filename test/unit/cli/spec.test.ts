// `app create` and `app set` without a cluster: the Application built from flags
// and the merge patch `set` sends, with the flag combinations that are usage errors.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Application } from '../../../src/api/generated/index.js';
import { buildApplication, buildSetPatch, describePolicy, isRemoteURL, normalizeRepo, UsageProblem } from '../../../src/cli/app/spec.js';

describe('buildApplication', () => {
  it('makes local repository paths absolute and keeps URLs', () => {
    expect(normalizeRepo('.', '/home/a/repo')).toBe('/home/a/repo');
    expect(normalizeRepo('../other', '/home/a/repo')).toBe(path.resolve('/home/a/other'));
    expect(normalizeRepo('https://git.example.com/a.git', '/x')).toBe('https://git.example.com/a.git');
    expect(normalizeRepo('file:///srv/repo', '/x')).toBe('file:///srv/repo');
    expect(isRemoteURL('git@github.com:a/b.git')).toBe(true);
  });

  it('builds a manual app with the resources finalizer and defaults', () => {
    const app = buildApplication('web', 'gitplane-system', { repo: 'repo' }, '/work');
    expect(app).toEqual({
      apiVersion: 'gitplane.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web', namespace: 'gitplane-system', finalizers: ['gitplane.io/resources-finalizer'] },
      spec: { source: { repoURL: '/work/repo', path: '.', targetRevision: 'HEAD' }, destination: { namespace: 'default' } },
    });
  });

  it('leaves the finalizer off with --no-cascade', () => {
    expect(buildApplication('web', 'ns', { repo: '/r', cascade: false }, '/').metadata.finalizers).toBeUndefined();
  });

  it('sets policy, options, previews and credentials', () => {
    const app = buildApplication(
      'web',
      'ns',
      {
        repo: 'https://git.example.com/web.git',
        path: 'deploy',
        revision: 'main',
        destNamespace: 'web',
        autoSync: true,
        autoPrune: true,
        selfHeal: true,
        allowEmpty: true,
        syncOption: ['CreateNamespace=true', 'PruneLast=true'],
        previewBranches: ['feature/*'],
        previewNamespace: '{{app}}-{{branch}}',
        secret: 'git-creds',
      },
      '/',
    );
    expect(app.spec).toEqual({
      source: { repoURL: 'https://git.example.com/web.git', path: 'deploy', targetRevision: 'main', secretRef: { name: 'git-creds' } },
      destination: { namespace: 'web' },
      syncPolicy: { automated: { prune: true, selfHeal: true, allowEmpty: true }, syncOptions: ['CreateNamespace=true', 'PruneLast=true'] },
      previews: { branches: ['feature/*'], namespaceTemplate: '{{app}}-{{branch}}' },
    });
  });

  it('refuses automated-only flags without --auto-sync, and malformed sync options', () => {
    expect(() => buildApplication('w', 'n', { repo: '/r', selfHeal: true }, '/')).toThrow(UsageProblem);
    expect(() => buildApplication('w', 'n', { repo: '/r', autoPrune: true }, '/')).toThrow(/--auto-sync/);
    expect(() => buildApplication('w', 'n', { repo: '/r', syncOption: ['CreateNamespace'] }, '/')).toThrow(/KEY=VALUE/);
    expect(() => buildApplication('w', 'n', { repo: '/r', previewNamespace: 'x' }, '/')).toThrow(/--preview-branches/);
  });
});

describe('buildSetPatch', () => {
  const manual: Application = {
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web' },
    spec: { source: { repoURL: '/r' }, destination: {} },
  };
  const automated: Application = { ...manual, spec: { ...manual.spec, syncPolicy: { automated: { prune: true }, syncOptions: ['X=y'] } } };

  it('turns automated sync on, keeping what it had', () => {
    expect(buildSetPatch(manual, { autoSync: true })).toEqual({ spec: { syncPolicy: { automated: {} } } });
    expect(buildSetPatch(automated, { autoSync: true, selfHeal: true })).toEqual({ spec: { syncPolicy: { automated: { prune: true, selfHeal: true } } } });
  });

  it('turns it off with a null (merge patch delete)', () => {
    expect(buildSetPatch(automated, { autoSync: false })).toEqual({ spec: { syncPolicy: { automated: null } } });
    expect(buildSetPatch(manual, { autoSync: false })).toEqual({});
  });

  it('changes self-heal and prune of an automated app', () => {
    expect(buildSetPatch(automated, { selfHeal: false, autoPrune: false })).toEqual({ spec: { syncPolicy: { automated: { prune: false, selfHeal: false } } } });
  });

  it('sets the target revision', () => {
    expect(buildSetPatch(manual, { revision: 'v2' })).toEqual({ spec: { source: { targetRevision: 'v2' } } });
  });

  it('is a usage problem with nothing to set, or self-heal on a manual app', () => {
    expect(() => buildSetPatch(manual, {})).toThrow(UsageProblem);
    expect(() => buildSetPatch(manual, { selfHeal: true })).toThrow(/--auto-sync/);
    expect(() => buildSetPatch(automated, { autoSync: false, autoPrune: true })).toThrow(UsageProblem);
  });

  it('describes policies', () => {
    expect(describePolicy(manual)).toBe('Manual');
    expect(describePolicy(automated)).toBe('Automated (prune)');
  });
});
