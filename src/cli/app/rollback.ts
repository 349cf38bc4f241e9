// `gitplane app rollback NAME [REVISION]`: by default the controller writes
// revert commits on the tracked branch (Git stays the truth) and the app
// converges on them; --no-commit instead syncs an older revision directly
// (an emergency) and automated sync is turned off until re-enabled.

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { addConnectionFlags, examples, usageError, withClient } from '../command.js';
import { defaultAuthor } from '../git-author.js';
import { CliExit, EXIT, fail } from '../output.js';
import { currentUser, getApp, timeoutOption, type AppFlags } from './common.js';
import { planRollback, revertCommits, type RollbackPlan } from './operation.js';
import { UsageProblem } from './spec.js';
import { requestAndWait, warnIfAutoSyncOff } from './sync.js';

interface RollbackCmdFlags extends AppFlags {
  to?: number;
  commit: boolean;
  author?: string;
  wait: boolean;
  timeout: number;
}

function historyId(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a history ID is a number (see gitplane app history NAME)');
  return Number(value);
}

export function registerRollback(app: Command): void {
  const cmd = addConnectionFlags(
    app
      .command('rollback')
      .argument('<name>', 'Application name')
      .argument('[revision]', 'commit to revert; with --no-commit, the revision to go back to')
      .description('roll an Application back: revert commits in Git (default), or sync an older revision directly (--no-commit)'),
  )
    .option('--to <history-id>', 'roll back to this entry of `gitplane app history`: revert every commit deployed after it', historyId)
    .option('--no-commit', 'do not write to Git: sync the older revision directly and turn automated sync off')
    .option('--author <"Name <email>">', 'author of the revert commits (default: git config user.name/email, else $USER)')
    .option('--wait', 'wait for the rollback to finish', true)
    .option('--no-wait', 'return once the rollback is requested')
    .addOption(timeoutOption('how long to wait'))
    .action((name: string, revision: string | undefined, flags: RollbackCmdFlags) =>
      withClient(flags, async (ctx) => {
        const before = await getApp(ctx, name);
        let plan: RollbackPlan;
        try {
          plan = planRollback(before, { ...(revision ? { revision } : {}), ...(flags.to !== undefined ? { to: flags.to } : {}), noCommit: !flags.commit, author: flags.author ?? defaultAuthor() }, currentUser());
        } catch (err) {
          if (err instanceof UsageProblem) usageError(cmd, err.message);
          fail(ctx.term, (err as Error).message);
        }
        ctx.term.err(`${plan.summary}…`);
        const done = await requestAndWait(ctx, before, plan.patch, plan.expect, flags, `rollback of ${name} requested`, plan.expect.kind === 'sync');
        if (plan.syncRevision) warnIfAutoSyncOff(ctx, before, done?.app, plan.syncRevision);
        if (!done) return;
        if (done.state.phase !== 'Succeeded') throw new CliExit(EXIT.FAILURE, `${name}: ${done.state.phase}`);
        if (plan.expect.kind === 'rollback') {
          const commits = revertCommits(done.state);
          if (commits.length) ctx.term.out(`new commit(s): ${commits.join(' ')}`);
          ctx.term.out(
            before.spec.syncPolicy?.automated
              ? `${name} converges on the revert as on any commit: gitplane app get ${name}`
              : `${name} syncs by hand: deploy the revert with gitplane app sync ${name}`,
          );
        }
      }),
    );
  examples(cmd, [
    '# Revert the last deployed commit (a new commit on the tracked branch):',
    'gitplane app rollback web',
    '# Revert one particular commit:',
    'gitplane app rollback web 3f2a9c1',
    '# Revert everything deployed after history entry 4:',
    'gitplane app rollback web --to 4',
    '# Emergency: run the previous deployment now, without touching Git (turns auto-sync off):',
    'gitplane app rollback web --no-commit',
    'gitplane app rollback web --to 4 --no-commit',
  ]);
}
