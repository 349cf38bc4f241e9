// `gitplane app diff NAME [--revision REV]`: the pull-request review step — what
// syncing REV (default the app's target) would change in the cluster, as a
// unified YAML diff (Secret values redacted). Exit 1 when there are differences
// or render errors (printed as file:line), 0 when there are none.

import type { Command } from 'commander';
import { addConnectionFlags, examples, withClient } from '../command.js';
import { CliExit, colorEnabled, EXIT } from '../output.js';
import { openAppRepository } from '../repo.js';
import { getApp, type AppFlags } from './common.js';
import { computeAppDiff, hasDifferences, liveGetter, summarizeDiff } from './diff-plan.js';

interface DiffFlags extends AppFlags {
  revision?: string;
  color: boolean;
}

export function registerDiff(app: Command): void {
  const cmd = addConnectionFlags(app.command('diff').argument('<name>', 'Application name').description('show what syncing a revision would change in the cluster (exit 1 when it would change something)'))
    .option('--revision <rev>', "branch, tag or commit to compare (default: the app's target revision)")
    .option('--no-color', 'never colour the diff')
    .action((name: string, flags: DiffFlags) =>
      withClient(flags, async (ctx) => {
        const application = await getApp(ctx, name);
        const repo = await openAppRepository(ctx.conn.client, application);
        try {
          const result = await computeAppDiff(application, repo, liveGetter(ctx.conn.client), flags.revision);
          const at = `${flags.revision ? `${flags.revision} (${result.revision.slice(0, 7)})` : result.revision.slice(0, 7)}`;
          if (result.errors.length) {
            const { formatRenderError } = await import('../../gitops/render/index.js');
            for (const e of result.errors) ctx.term.err(formatRenderError(e));
            ctx.term.err(`${name}: ${result.errors.length} render error(s) at ${at}; nothing was compared`);
            throw new CliExit(EXIT.FAILURE, 'render errors');
          }
          for (const w of result.warnings) ctx.term.err(`warning: ${w}`);
          const { formatDiff } = await import('../../gitops/diff/index.js');
          const text = formatDiff([...result.diffs, ...result.prunes], { color: flags.color && colorEnabled(process.stdout) });
          if (text) ctx.term.out(text.trimEnd());
          const prune = result.prunes.length && !application.spec.syncPolicy?.automated?.prune ? ' (pruning needs `app sync --prune` or --auto-prune)' : '';
          ctx.term.err(`${name}: ${summarizeDiff(result)} at ${at}${prune}`);
          if (hasDifferences(result)) throw new CliExit(EXIT.DIFFERENCES, 'differences');
        } finally {
          await repo.close();
        }
      }),
    );
  examples(cmd, [
    "# Review a pull request: what would merging feature/x change?",
    'gitplane app diff web --revision feature/x',
    '# Has the cluster drifted from Git? (exit 1 when it has)',
    'gitplane app diff web || echo "out of sync"',
    'gitplane app diff web --no-color > web.diff',
  ]);
}
