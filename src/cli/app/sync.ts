// `gitplane app sync NAME`: ask the controller for a sync (optionally of another
// revision, with pruning, or as a dry run), wait for it, and print the result of
// every resource and the final phase (exit 1 when Failed, 3 on timeout).

import type { Command } from 'commander';
import type { Application, OperationState } from '../../api/generated/index.js';
import { addConnectionFlags, examples, withClient, type Context } from '../command.js';
import { CliExit, EXIT, fail, startProgress } from '../output.js';
import { formatDuration } from '../time.js';
import { appsClient, currentUser, getApp, timeoutOption, type AppFlags } from './common.js';
import { autoSyncWarning, buildSyncPatch, type ExpectedOperation, type OperationPatch } from './operation.js';
import { describeOperation, resultsTable } from './results.js';
import { describeProgress, waitForOperation } from './wait.js';

interface SyncFlags extends AppFlags {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  wait: boolean;
  timeout: number;
}

export function registerSync(app: Command): void {
  const cmd = addConnectionFlags(app.command('sync').argument('<name>', 'Application name').description('sync an Application now and wait for the result'))
    .option('--revision <rev>', 'sync this revision instead of the target (turns automated sync off until re-enabled)')
    .option('--prune', 'delete resources that are no longer in Git')
    .option('--dry-run', 'plan and validate only; change nothing')
    .option('--wait', 'wait for the sync to finish', true)
    .option('--no-wait', 'return once the sync is requested')
    .addOption(timeoutOption('how long to wait'))
    .action((name: string, flags: SyncFlags) =>
      withClient(flags, async (ctx) => {
        const before = await getApp(ctx, name);
        const patch = buildSyncPatch(flags, currentUser());
        const done = await requestAndWait(ctx, before, patch, { kind: 'sync', initiatedBy: patch.operation.initiatedBy }, flags, `sync of ${name} requested`);
        if (flags.revision && !flags.dryRun) warnIfAutoSyncOff(ctx, before, done?.app, flags.revision);
        if (done && done.state.phase !== 'Succeeded') throw new CliExit(EXIT.FAILURE, `${name}: ${done.state.phase}`);
      }),
    );
  examples(cmd, [
    'gitplane app sync web',
    'gitplane app sync web --prune',
    '# What would a sync do? (validates against the API server, changes nothing)',
    'gitplane app sync web --dry-run',
    'gitplane app sync web --no-wait',
    'gitplane app sync web --timeout 10m',
  ]);
}

/**
 * Patch the operation in, then (with wait) poll until the controller has finished it and print
 * the per-resource results and final phase. Returns the final state (undefined with --no-wait);
 * a timeout exits 3.
 */
export async function requestAndWait(
  ctx: Context,
  before: Application,
  patch: OperationPatch,
  expect: ExpectedOperation,
  flags: { wait: boolean; timeout: number },
  requested: string,
  printResults = true,
): Promise<{ state: OperationState; app: Application } | undefined> {
  const name = before.metadata.name ?? '';
  const apps = appsClient(ctx);
  const patched = await apps.patch(name, patch, 'merge');
  if (!flags.wait) {
    ctx.term.out(`${requested} (follow it with: gitplane app get ${name})`);
    return undefined;
  }
  const progress = startProgress(describeProgress(name, undefined), { tty: ctx.term.errTty });
  const result = await waitForOperation(apps, patched, patched.status?.operationState, expect, { timeoutMs: flags.timeout, onProgress: (t) => progress.update(t) });
  progress.stop();
  if (!result.ok) {
    fail(ctx.term, `timed out after ${formatDuration(result.waitedMs)} waiting for ${name}; the operation goes on in the cluster (gitplane app get ${name})`, EXIT.TIMEOUT);
  }
  const state = result.value.state;
  if (printResults && state.syncResult?.resources?.length) ctx.term.out(resultsTable(state, ctx.term.style));
  if (printResults && state.syncResult?.resources?.length) ctx.term.out('');
  ctx.term.out(describeOperation(state, ctx.term.style));
  if (state.message) ctx.term.out(state.message.split('\n').map((l) => `  ${l}`).join('\n'));
  return result.value;
}

/**
 * After a sync to a revision other than the target, the controller turns automated sync off;
 * say so loudly. Without an `after` (--no-wait) the warning is conditional.
 */
export function warnIfAutoSyncOff(ctx: Context, before: Application, after: Application | undefined, revision: string): void {
  if (!before.spec.syncPolicy?.automated) return;
  const name = before.metadata.name ?? '';
  if (after && after.spec.syncPolicy?.automated) return;
  const lines = after ? autoSyncWarning(name, revision) : [`note: if ${revision} is not what ${name} tracks, the controller turns automated sync off; re-enable it with: gitplane app set ${name} --auto-sync`];
  for (const line of lines) ctx.term.err(ctx.term.style.yellow(line));
}
