// `gitplane rollout status|history|undo|restart|pause|resume deploy/NAME`:
// follow a rollout until it is done (exit 1 past its progress deadline, 3 on
// --timeout), list revisions from the ReplicaSets, roll back to one, restart
// the pods, pause and resume.

import type { Command } from 'commander';
import type { DaemonSet, Deployment, ReplicaSet } from '../../api/generated/index.js';
import type { KindInfo } from '../../api/schemas.js';
import type { KubeObject } from '../../client/index.js';
import { examples, usageError, usageExit } from '../command.js';
import { CliExit, EXIT, formatStructured, startProgress, type Progress } from '../output.js';
import {
  addKubeConnectionFlags,
  boolOption,
  dryRunOption,
  dryRunSuffix,
  interruptible,
  kubeOutputOption,
  parseCount,
  parseTimeout,
  withKube,
  type DryRun,
  type KubeContext,
  type KubeFlags,
} from './common.js';
import { writePodTemplate } from './describe/pod.js';
import { ownedBy, revisionOf } from './describe/workloads.js';
import { PrefixWriter } from './describe/writer.js';
import { KubeError } from './errors.js';
import { formatObjects, sortKeys } from './objects.js';
import { parseResourceArgs, qualifiedKind, resolveRequests, resourceClient } from './resources.js';
import { historyTable, revisions, rollbackPatch, rollbackTarget, sameTemplate } from './rollout-history.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus, type RolloutStatus } from './rollout-status.js';
import { nextChange } from './wait.js';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export function registerRollout(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('manage the rollout of a deployment: status, history, undo, restart, pause, resume')
    .exitOverride(usageExit);
  registerStatus(rollout);
  registerHistory(rollout);
  registerUndo(rollout);
  registerRestart(rollout);
  registerPause(rollout, 'pause');
  registerPause(rollout, 'resume');
  examples(rollout, ['gitplane rollout status deploy/web', 'gitplane rollout history deploy/web', 'gitplane rollout undo deploy/web --to-revision 2', 'gitplane rollout restart deploy/web']);
}

/** The one TYPE/NAME (or TYPE NAME) a rollout verb works on, checked against the kinds it supports. */
async function oneTarget(ctx: KubeContext, cmd: Command, args: string[], kinds: string[]): Promise<{ info: KindInfo; name: string }> {
  if (args.length === 0) usageError(cmd, 'you must specify the object, e.g. deployment/web');
  let parsed: ReturnType<typeof parseResourceArgs>;
  try {
    parsed = parseResourceArgs(args, `rollout ${cmd.name()}`);
  } catch (err) {
    if (err instanceof KubeError && err.exitCode === EXIT.USAGE) usageError(cmd, err.message);
    throw err;
  }
  const requests = await resolveRequests(ctx.resolver, parsed);
  const names = requests.flatMap((r) => r.names.map((name) => ({ info: r.info, name })));
  if (names.length !== 1) usageError(cmd, `exactly one object is needed, e.g. deployment/web (got ${names.length})`);
  const target = names[0]!;
  if (!kinds.includes(target.info.kind)) throw new KubeError(`rollout ${cmd.name()} is not supported for ${qualifiedKind(target.info)} (only ${kinds.map((k) => k.toLowerCase()).join(', ')})`);
  return target;
}

async function ownedReplicaSets(ctx: KubeContext, d: Deployment): Promise<ReplicaSet[]> {
  const list = await ctx.client.replicaSets.namespace(d.metadata.namespace ?? ctx.namespace).list(d.spec?.selector ? { labelSelector: d.spec.selector } : {});
  return ownedBy(list.items, d.metadata.uid);
}

// ---------------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------------

interface StatusFlags extends KubeFlags {
  timeout: number;
  watch: boolean;
  revision?: number;
}

function registerStatus(rollout: Command): void {
  const cmd = addKubeConnectionFlags(rollout.command('status').argument('[resources...]', 'deployment/NAME or daemonset/NAME').description('wait for a rollout to finish, printing its progress'))
    .option('--timeout <duration>', 'give up after this long, exit 3 (0: wait forever)', parseTimeout, 0)
    .addOption(boolOption('watch', 'keep watching until the rollout is done (--watch=false: print the status once)', true))
    .option('--revision <n>', 'fail unless the deployment is at this revision', parseCount('--revision'))
    .action((args: string[], flags: StatusFlags) => withKube(flags, (ctx) => runStatus(ctx, cmd, args, flags)));
  examples(cmd, ['gitplane rollout status deployment/web', 'gitplane rollout status deploy web --timeout 2m', 'gitplane rollout status ds/agent --watch=false']);
}

async function runStatus(ctx: KubeContext, cmd: Command, args: string[], flags: StatusFlags): Promise<void> {
  const { info, name } = await oneTarget(ctx, cmd, args, ['Deployment', 'DaemonSet']);
  const rc = resourceClient(ctx.client, info, ctx.namespace);
  let obj = await rc.get(name);
  const evaluate = (o: unknown): RolloutStatus => (info.kind === 'Deployment' ? deploymentRolloutStatus(o as Deployment) : daemonSetRolloutStatus(o as DaemonSet));
  if (flags.revision !== undefined && info.kind === 'Deployment') {
    const current = revisionOf(obj);
    if (current !== flags.revision) throw new KubeError(`desired revision (${flags.revision}) is different from the running revision (${current ?? 0})`);
  }
  const stop = interruptible(flags.timeout);
  let progress: Progress | undefined;
  let last = '';
  try {
    for (;;) {
      const status = evaluate(obj);
      if (status.error) throw new KubeError(status.error);
      if (status.done) {
        progress?.stop();
        progress = undefined;
        ctx.term.out(status.message);
        return;
      }
      if (status.message !== last) {
        if (ctx.term.errTty) {
          if (progress) progress.update(status.message);
          else progress = startProgress(status.message, { tty: true });
        } else ctx.term.out(status.message);
        last = status.message;
      }
      if (!flags.watch) return;
      let next;
      try {
        next = await nextChange(rc, name, obj.metadata?.resourceVersion, stop.signal);
      } catch (err) {
        if (stop.reason() === 'interrupt') throw new CliExit(130, 'interrupted');
        if (stop.reason() === 'timeout') throw new KubeError('timed out waiting for the condition', EXIT.TIMEOUT);
        throw err;
      }
      if (!next) throw new KubeError(`${qualifiedKind(info)}/${name} has been deleted`);
      obj = next;
    }
  } finally {
    progress?.stop();
    stop.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// history
// ---------------------------------------------------------------------------------------------

interface HistoryFlags extends KubeFlags {
  revision?: number;
  output?: 'yaml' | 'json';
}

function registerHistory(rollout: Command): void {
  const cmd = addKubeConnectionFlags(rollout.command('history').argument('[resources...]', 'deployment/NAME').description("list a deployment's revisions (from its ReplicaSets), or show one"))
    .option('--revision <n>', "show this revision's pod template", parseCount('--revision'))
    .addOption(kubeOutputOption(['yaml', 'json']))
    .action((args: string[], flags: HistoryFlags) => withKube(flags, (ctx) => runHistory(ctx, cmd, args, flags)));
  examples(cmd, ['gitplane rollout history deployment/web', 'gitplane rollout history deploy/web --revision 2', 'gitplane rollout history deploy/web --revision 2 -o yaml']);
}

async function runHistory(ctx: KubeContext, cmd: Command, args: string[], flags: HistoryFlags): Promise<void> {
  const { info, name } = await oneTarget(ctx, cmd, args, ['Deployment']);
  const d = (await resourceClient(ctx.client, info, ctx.namespace).get(name)) as unknown as Deployment;
  const rss = await ownedReplicaSets(ctx, d);
  const qk = `${qualifiedKind(info)}/${name}`;
  if (flags.revision === undefined) {
    if (flags.output) return ctx.term.out(formatObjects(revisions(rss).map((r) => r.rs as unknown as KubeObject), flags.output));
    ctx.term.out(`${qk}\n${historyTable(rss)}`);
    return;
  }
  const found = revisions(rss).find((r) => r.revision === flags.revision);
  if (!found) throw new KubeError(`unable to find the specified revision ${flags.revision}`);
  const template = found.rs.spec?.template ?? {};
  if (flags.output) return ctx.term.out(formatStructured(sortKeys(template), flags.output));
  const w = new PrefixWriter();
  writePodTemplate(w, template);
  ctx.term.out(`${qk} with revision #${flags.revision}\n${w.toString()}`);
}

// ---------------------------------------------------------------------------------------------
// undo
// ---------------------------------------------------------------------------------------------

interface UndoFlags extends KubeFlags {
  toRevision: number;
  dryRun: DryRun;
}

function registerUndo(rollout: Command): void {
  const cmd = addKubeConnectionFlags(rollout.command('undo').argument('[resources...]', 'deployment/NAME').description('roll a deployment back to an earlier revision (default: the previous one)'))
    .option('--to-revision <n>', 'the revision to go back to (0: the previous one)', parseCount('--to-revision'), 0)
    .addOption(dryRunOption())
    .action((args: string[], flags: UndoFlags) => withKube(flags, (ctx) => runUndo(ctx, cmd, args, flags)));
  examples(cmd, ['gitplane rollout undo deployment/web', 'gitplane rollout undo deploy/web --to-revision 2', 'gitplane rollout undo deploy/web --dry-run=server']);
}

async function runUndo(ctx: KubeContext, cmd: Command, args: string[], flags: UndoFlags): Promise<void> {
  const { info, name } = await oneTarget(ctx, cmd, args, ['Deployment']);
  const rc = resourceClient(ctx.client, info, ctx.namespace);
  const d = (await rc.get(name)) as unknown as Deployment;
  const qk = `${qualifiedKind(info)}/${name}`;
  if (d.spec?.paused) throw new KubeError(`you cannot rollback a paused deployment; resume it first with 'gitplane rollout resume ${qk}' and try again`);
  const target = rollbackTarget(d, await ownedReplicaSets(ctx, d), flags.toRevision);
  if (sameTemplate(d.spec?.template, target.rs.spec?.template)) {
    ctx.term.out(`${qk} skipped rollback (current template already matches revision ${target.revision})`);
    return;
  }
  if (flags.dryRun !== 'client') await rc.patch(name, rollbackPatch(d, target.rs), 'json', flags.dryRun === 'server' ? { dryRun: true } : {});
  ctx.term.out(`${qk} rolled back${dryRunSuffix(flags.dryRun)}`);
}

// ---------------------------------------------------------------------------------------------
// restart, pause, resume
// ---------------------------------------------------------------------------------------------

function registerRestart(rollout: Command): void {
  const cmd = addKubeConnectionFlags(rollout.command('restart').argument('[resources...]', 'deployment/NAME or daemonset/NAME').description('replace every pod of a deployment or daemon set with a rolling update'))
    .addOption(dryRunOption())
    .action((args: string[], flags: KubeFlags & { dryRun: DryRun }) =>
      withKube(flags, async (ctx) => {
        const { info, name } = await oneTarget(ctx, cmd, args, ['Deployment', 'DaemonSet']);
        const rc = resourceClient(ctx.client, info, ctx.namespace);
        const obj = (await rc.get(name)) as unknown as Deployment;
        const qk = `${qualifiedKind(info)}/${name}`;
        if (obj.spec?.paused) throw new KubeError(`can't restart paused ${qualifiedKind(info)} (run rollout resume first)`);
        const patch = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: new Date().toISOString() } } } } };
        if (flags.dryRun !== 'client') await rc.patch(name, patch, 'strategic', flags.dryRun === 'server' ? { dryRun: true } : {});
        ctx.term.out(`${qk} restarted${dryRunSuffix(flags.dryRun)}`);
      }),
    );
  examples(cmd, ['gitplane rollout restart deployment/web']);
}

function registerPause(rollout: Command, verb: 'pause' | 'resume'): void {
  const cmd = addKubeConnectionFlags(
    rollout
      .command(verb)
      .argument('[resources...]', 'deployment/NAME')
      .description(verb === 'pause' ? 'stop a deployment from rolling out template changes until resumed' : 'let a paused deployment roll out again'),
  ).action((args: string[], flags: KubeFlags) =>
    withKube(flags, async (ctx) => {
      const { info, name } = await oneTarget(ctx, cmd, args, ['Deployment']);
      const rc = resourceClient(ctx.client, info, ctx.namespace);
      const d = (await rc.get(name)) as unknown as Deployment;
      const qk = `${qualifiedKind(info)}/${name}`;
      const paused = !!d.spec?.paused;
      if (verb === 'pause' && paused) throw new KubeError(`${qk} is already paused`);
      if (verb === 'resume' && !paused) throw new KubeError(`${qk} is not paused`);
      await rc.patch(name, { spec: { paused: verb === 'pause' ? true : null } }, 'merge');
      ctx.term.out(`${qk} ${verb === 'pause' ? 'paused' : 'resumed'}`);
    }),
  );
  examples(cmd, [`gitplane rollout ${verb} deployment/web`]);
}
