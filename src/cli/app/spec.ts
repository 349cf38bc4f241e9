// The pure part of `app create` and `app set`: an Application from flags (local
// repository paths made absolute), and the merge patch `app set` sends. Bad
// combinations throw UsageProblem, which the verbs turn into exit code 2.

import path from 'node:path';
import type { Application, SyncPolicy } from '../../api/generated/index.js';
import { RESOURCES_FINALIZER } from '../../gitops/controller/index.js';

export class UsageProblem extends Error {}

export interface CreateFlags {
  repo: string;
  path?: string;
  revision?: string;
  destNamespace?: string;
  autoSync?: boolean;
  autoPrune?: boolean;
  selfHeal?: boolean;
  allowEmpty?: boolean;
  syncOption?: string[];
  previewBranches?: string[];
  previewNamespace?: string;
  secret?: string;
  /** false with --no-cascade. */
  cascade?: boolean;
}

/** URLs (scheme://, or scp-like user@host:path) are kept; anything else is a local path. */
export function isRemoteURL(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
}

export function normalizeRepo(repo: string, cwd: string): string {
  if (isRemoteURL(repo)) return repo;
  return path.resolve(cwd, repo);
}

export function parseSyncOptions(values: string[] | undefined): string[] {
  return (values ?? []).map((v) => {
    if (!/^[A-Za-z][\w-]*=\S+$/.test(v.trim())) throw new UsageProblem(`--sync-option must be KEY=VALUE (e.g. CreateNamespace=true), not "${v}"`);
    return v.trim();
  });
}

export function buildApplication(name: string, namespace: string, flags: CreateFlags, cwd: string): Application {
  if (!flags.autoSync) {
    for (const [flag, set] of [['--auto-prune', flags.autoPrune], ['--self-heal', flags.selfHeal], ['--allow-empty', flags.allowEmpty]] as const) {
      if (set) throw new UsageProblem(`${flag} only applies to automated sync: add --auto-sync`);
    }
  }
  if (flags.previewNamespace && !flags.previewBranches?.length) throw new UsageProblem('--preview-namespace needs --preview-branches');
  const syncPolicy: SyncPolicy = {};
  if (flags.autoSync) {
    syncPolicy.automated = {
      ...(flags.autoPrune ? { prune: true } : {}),
      ...(flags.selfHeal ? { selfHeal: true } : {}),
      ...(flags.allowEmpty ? { allowEmpty: true } : {}),
    };
  }
  const options = parseSyncOptions(flags.syncOption);
  if (options.length) syncPolicy.syncOptions = options;
  const app: Application = {
    apiVersion: 'gitplane.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace, ...(flags.cascade === false ? {} : { finalizers: [RESOURCES_FINALIZER] }) },
    spec: {
      source: {
        repoURL: normalizeRepo(flags.repo, cwd),
        path: flags.path ?? '.',
        targetRevision: flags.revision ?? 'HEAD',
        ...(flags.secret ? { secretRef: { name: flags.secret } } : {}),
      },
      destination: { namespace: flags.destNamespace ?? 'default' },
      ...(Object.keys(syncPolicy).length ? { syncPolicy } : {}),
      ...(flags.previewBranches?.length
        ? { previews: { branches: flags.previewBranches, ...(flags.previewNamespace ? { namespaceTemplate: flags.previewNamespace } : {}) } }
        : {}),
    },
  };
  return app;
}

export interface SetFlags {
  autoSync?: boolean;
  selfHeal?: boolean;
  autoPrune?: boolean;
  revision?: string;
}

/** The merge patch for `app set`, or a UsageProblem. Empty flags are a usage error too. */
export function buildSetPatch(app: Application, flags: SetFlags): Record<string, unknown> {
  const changes = [flags.autoSync, flags.selfHeal, flags.autoPrune, flags.revision].filter((v) => v !== undefined);
  if (changes.length === 0) throw new UsageProblem('nothing to set: give --auto-sync/--no-auto-sync, --self-heal/--no-self-heal, --auto-prune/--no-auto-prune or --revision');
  const spec: Record<string, unknown> = {};
  if (flags.revision !== undefined) spec.source = { targetRevision: flags.revision };
  const current = app.spec.syncPolicy?.automated;
  const automatedAfter = flags.autoSync ?? current !== undefined;
  if (!automatedAfter) {
    if (flags.selfHeal || flags.autoPrune) {
      throw new UsageProblem(`${flags.selfHeal ? '--self-heal' : '--auto-prune'} only applies to automated sync: add --auto-sync`);
    }
    if (flags.autoSync === false && current !== undefined) spec.syncPolicy = { automated: null };
  } else if (flags.autoSync !== undefined || flags.selfHeal !== undefined || flags.autoPrune !== undefined) {
    const automated: Record<string, unknown> = { ...(current ?? {}) };
    if (flags.selfHeal !== undefined) automated.selfHeal = flags.selfHeal;
    if (flags.autoPrune !== undefined) automated.prune = flags.autoPrune;
    spec.syncPolicy = { automated };
  }
  return Object.keys(spec).length ? { spec } : {};
}

/** "Automated (prune, self-heal)" or "Manual". */
export function describePolicy(app: Application): string {
  const a = app.spec.syncPolicy?.automated;
  if (!a) return 'Manual';
  const parts = [a.prune ? 'prune' : '', a.selfHeal ? 'self-heal' : '', a.allowEmpty ? 'allow-empty' : ''].filter(Boolean);
  return parts.length ? `Automated (${parts.join(', ')})` : 'Automated';
}
