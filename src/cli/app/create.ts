// `gitplane app create NAME --repo URL|PATH …`: a new Application (local paths
// made absolute, the cascading-delete finalizer unless --no-cascade); --upsert
// replaces the spec of an existing one.

import { tmpdir } from 'node:os';
import type { Command } from 'commander';
import type { Application } from '../../api/generated/index.js';
import { isAlreadyExists } from '../../client/index.js';
import { RESOURCES_FINALIZER } from '../../gitops/controller/index.js';
import { addConnectionFlags, examples, usageError, withClient } from '../command.js';
import { fail } from '../output.js';
import { appsClient, type AppFlags } from './common.js';
import { buildApplication, UsageProblem, type CreateFlags } from './spec.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerCreate(app: Command): void {
  const cmd = addConnectionFlags(app.command('create').argument('<name>', 'Application name').description('create an Application that deploys a directory of a Git repository'))
    .requiredOption('--repo <url|path>', 'Git repository: an http(s) URL or a local path (made absolute)')
    .option('--path <dir>', 'directory of manifests inside the repository', '.')
    .option('--revision <rev>', 'branch, tag or commit to deploy', 'HEAD')
    .option('--dest-namespace <ns>', 'namespace for namespaced objects that set none', 'default')
    .option('--auto-sync', 'sync automatically when Git changes')
    .option('--auto-prune', 'with --auto-sync: delete resources removed from Git')
    .option('--self-heal', 'with --auto-sync: undo changes made to live resources outside Git')
    .option('--allow-empty', 'with --auto-sync: allow syncing to an empty set of resources')
    .option('--sync-option <key=value>', 'sync option, e.g. CreateNamespace=true (repeatable)', collect)
    .option('--preview-branches <glob>', 'deploy branches matching this glob into their own namespaces (repeatable)', collect)
    .option('--preview-namespace <template>', 'namespace of a preview; {{app}} and {{branch}} are replaced', undefined)
    .option('--secret <name>', 'Secret (in the app namespace) with username/password or token for the repository')
    .option('--no-cascade', 'do not delete the app\'s resources when the app is deleted')
    .option('--upsert', 'update the Application if it already exists')
    .action((name: string, flags: CreateFlags & AppFlags & { upsert?: boolean }) =>
      withClient(flags, async (ctx) => {
        let desired: Application;
        try {
          desired = buildApplication(name, ctx.conn.namespace, flags, process.cwd());
        } catch (err) {
          if (err instanceof UsageProblem) usageError(cmd, err.message);
          throw err;
        }
        await pinLocalBranch(desired, cmd.getOptionValueSource('revision') === 'default');
        const apps = appsClient(ctx);
        try {
          await apps.create(desired);
          ctx.term.out(`application.gitplane.io/${name} created`);
          return;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
        const existing = await apps.get(name);
        if (JSON.stringify(existing.spec) === JSON.stringify(desired.spec)) {
          ctx.term.out(`application.gitplane.io/${name} unchanged`);
          return;
        }
        if (!flags.upsert) fail(ctx.term, `application "${name}" already exists in ${ctx.conn.namespace} with a different spec (use --upsert to replace it)`);
        const finalizers = new Set([...(existing.metadata.finalizers ?? []), ...(desired.metadata.finalizers ?? [])]);
        if (flags.cascade === false) finalizers.delete(RESOURCES_FINALIZER);
        await apps.update({ ...existing, metadata: { ...existing.metadata, finalizers: [...finalizers] }, spec: desired.spec });
        ctx.term.out(`application.gitplane.io/${name} updated`);
      }),
    );
  examples(cmd, [
    '# Deploy the manifests in ./deploy of the repository in the current directory, automatically:',
    'gitplane app create web --repo . --path deploy --dest-namespace web --auto-sync --sync-option CreateNamespace=true',
    '# A remote repository with credentials from a Secret, synced by hand:',
    'gitplane app create api --repo https://git.example.com/team/api.git --path k8s --secret git-creds',
    '# Preview every feature branch in its own namespace:',
    "gitplane app create web --repo . --auto-sync --auto-prune --preview-branches 'feature/*' --preview-namespace '{{app}}-{{branch}}'",
  ]);
}

/**
 * HEAD of a local working copy is whatever branch is checked out, so an app on HEAD would deploy
 * any branch someone switches to there. Unless --revision was given, pin the branch checked
 * out now (as `gitplane up` does); remote URLs keep HEAD (the remote's default branch).
 */
async function pinLocalBranch(app: Application, defaulted: boolean): Promise<void> {
  const source = app.spec.source;
  if (!defaulted || /^https?:\/\//i.test(source.repoURL) || (source.targetRevision ?? 'HEAD') !== 'HEAD') return;
  const { openRepository } = await import('../../gitops/source/index.js');
  const repo = await openRepository({ repoURL: source.repoURL, dataDir: tmpdir() }).catch(() => undefined);
  if (!repo) return; // the controller reports an unusable repository on the app
  const branch = await repo.defaultBranch().catch(() => '');
  await repo.close();
  if (branch) source.targetRevision = branch;
}
