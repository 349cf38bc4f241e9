// `gitplane app set NAME`: change an Application's sync policy or target
// revision (--auto-sync/--no-auto-sync, --self-heal, --auto-prune, --revision)
// with a merge patch of just those fields.

import type { Command } from 'commander';
import { addConnectionFlags, examples, usageError, withClient } from '../command.js';
import { appsClient, getApp, type AppFlags } from './common.js';
import { buildSetPatch, describePolicy, UsageProblem, type SetFlags } from './spec.js';

export function registerSet(app: Command): void {
  const cmd = addConnectionFlags(app.command('set').argument('<name>', 'Application name').description("change an Application's sync policy or target revision"))
    .option('--auto-sync', 'sync automatically when Git changes')
    .option('--no-auto-sync', 'sync only when asked (gitplane app sync)')
    .option('--self-heal', 'undo changes made to live resources outside Git')
    .option('--no-self-heal', 'leave live drift alone until the next Git change')
    .option('--auto-prune', 'delete resources removed from Git during automated syncs')
    .option('--no-auto-prune', 'never prune during automated syncs')
    .option('--revision <rev>', 'branch, tag or commit to deploy')
    .action((name: string, flags: SetFlags & AppFlags) =>
      withClient(flags, async (ctx) => {
        const current = await getApp(ctx, name);
        let patch: Record<string, unknown>;
        try {
          patch = buildSetPatch(current, flags);
        } catch (err) {
          if (err instanceof UsageProblem) usageError(cmd, err.message);
          throw err;
        }
        if (Object.keys(patch).length === 0) {
          ctx.term.out(`application.gitplane.io/${name} unchanged`);
          return;
        }
        const updated = await appsClient(ctx).patch(name, patch, 'merge');
        ctx.term.out(`application.gitplane.io/${name} updated: policy ${describePolicy(updated)}, target ${updated.spec.source.targetRevision ?? 'HEAD'}`);
      }),
    );
  examples(cmd, [
    '# Re-enable automated sync after an emergency `app rollback --no-commit`:',
    'gitplane app set web --auto-sync',
    'gitplane app set web --auto-sync --self-heal --auto-prune',
    'gitplane app set web --no-auto-sync',
    'gitplane app set web --revision release-1.4',
  ]);
}
