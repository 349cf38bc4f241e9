// `gitplane scale TYPE/NAME | TYPE NAME… --replicas N`: set replicas through
// the scale subresource (deployments, replicasets, …), optionally only when
// the current count (--current-replicas) or resourceVersion is as expected.

import type { Command } from 'commander';
import { isStatusError } from '../../api/status.js';
import { isConflict, type Scale } from '../../client/index.js';
import { examples, usageError } from '../command.js';
import { CliExit, EXIT } from '../output.js';
import { addKubeConnectionFlags, dryRunOption, dryRunSuffix, formatApiError, kubeOutputOption, parseCount, withKube, type DryRun, type KubeContext, type KubeFlags } from './common.js';
import { KubeError } from './errors.js';
import { parseResourceArgs, qualifiedKind, resolveRequests, resourceClient } from './resources.js';

interface ScaleFlags extends KubeFlags {
  replicas?: number;
  currentReplicas?: number;
  resourceVersion?: string;
  selector?: string;
  all?: boolean;
  dryRun: DryRun;
  output?: 'name';
}

export function registerScale(program: Command): void {
  const cmd = addKubeConnectionFlags(
    program
      .command('scale')
      .argument('[resources...]', 'TYPE/NAME... or TYPE NAME...')
      .description('set the number of replicas of a deployment, replica set or other scalable object'),
  )
    .option('--replicas <n>', 'the new number of replicas (required)', parseCount('--replicas'))
    .option('--current-replicas <n>', 'only scale when the current number of replicas is this', parseCount('--current-replicas'))
    .option('--resource-version <rv>', 'only scale when the object is at this resourceVersion')
    .option('-l, --selector <selector>', 'scale every object of TYPE matching this selector')
    .option('--all', 'scale every object of TYPE in the namespace')
    .addOption(dryRunOption())
    .addOption(kubeOutputOption(['name']))
    .action((args: string[], flags: ScaleFlags) => withKube(flags, (ctx) => runScale(ctx, cmd, args, flags)));
  examples(cmd, [
    'gitplane scale deployment/web --replicas 3',
    'gitplane scale deploy web api --replicas 0',
    '# Only if it currently runs 2:',
    'gitplane scale deploy/web --current-replicas 2 --replicas 5',
    'gitplane scale rs -l app=web --replicas 1',
  ]);
}

async function runScale(ctx: KubeContext, cmd: Command, args: string[], flags: ScaleFlags): Promise<void> {
  if (flags.replicas === undefined) usageError(cmd, 'the --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  if (args.length === 0) usageError(cmd, 'you must specify the object to scale (e.g. deployment/web)');
  let parsed: ReturnType<typeof parseResourceArgs>;
  try {
    parsed = parseResourceArgs(args, 'scale');
  } catch (err) {
    if (err instanceof KubeError && err.exitCode === EXIT.USAGE) usageError(cmd, err.message);
    throw err;
  }
  const requests = await resolveRequests(ctx.resolver, parsed);
  const targets: Array<{ info: (typeof requests)[number]['info']; name: string }> = [];
  for (const req of requests) {
    if (req.names.length > 0) {
      for (const name of req.names) targets.push({ info: req.info, name });
    } else if (flags.selector || flags.all) {
      const list = await resourceClient(ctx.client, req.info, ctx.namespace).listAll(flags.selector ? { labelSelector: flags.selector } : {});
      for (const o of list.items) targets.push({ info: req.info, name: o.metadata?.name ?? '' });
    } else {
      usageError(cmd, 'resource(s) were provided, but no name was specified (give names, -l SELECTOR, or --all)');
    }
  }
  if ((flags.currentReplicas !== undefined || flags.resourceVersion) && targets.length > 1) usageError(cmd, 'preconditions (--current-replicas, --resource-version) work with one object only');

  const errors: string[] = [];
  for (const t of targets) {
    const rc = resourceClient(ctx.client, t.info, ctx.namespace);
    try {
      if (flags.currentReplicas !== undefined || flags.resourceVersion || flags.dryRun === 'client') {
        // Read, check, write with the resourceVersion read; a status update in between is a
        // conflict, so read and check again (as kubectl's ScaleWithRetries does).
        for (let attempt = 1; ; attempt++) {
          const scale = await rc.getScale(t.name);
          checkPreconditions(scale, flags);
          if (flags.dryRun === 'client') break;
          const next: Scale = { ...scale, spec: { ...scale.spec, replicas: flags.replicas } };
          try {
            await rc.updateScale(t.name, next, flags.dryRun === 'server' ? { dryRun: true } : {});
            break;
          } catch (err) {
            if (!isConflict(err) || attempt >= 5) throw err;
          }
        }
      } else {
        await rc.patch(t.name, { spec: { replicas: flags.replicas } }, 'merge', { subresource: 'scale', ...(flags.dryRun === 'server' ? { dryRun: true } : {}) });
      }
      ctx.term.out(flags.output === 'name' ? `${qualifiedKind(t.info)}/${t.name}` : `${qualifiedKind(t.info)}/${t.name} scaled${dryRunSuffix(flags.dryRun)}`);
    } catch (err) {
      if (err instanceof KubeError) {
        errors.push(`error: ${err.message}`);
        continue;
      }
      if (!isStatusError(err)) throw err;
      errors.push(formatApiError(err));
    }
  }
  for (const e of errors) ctx.term.err(e);
  if (errors.length > 0) throw new CliExit(EXIT.FAILURE, errors[0]!);
}

/** kubectl's preconditions: "Expected replicas to be 3, was 2". */
export function checkPreconditions(scale: Scale, flags: Pick<ScaleFlags, 'currentReplicas' | 'resourceVersion'>): void {
  const current = scale.spec?.replicas ?? 0;
  if (flags.currentReplicas !== undefined && flags.currentReplicas !== current) throw new KubeError(`Expected replicas to be ${flags.currentReplicas}, was ${current}`);
  if (flags.resourceVersion && flags.resourceVersion !== scale.metadata.resourceVersion) throw new KubeError(`Expected resourceVersion to be ${flags.resourceVersion}, was ${scale.metadata.resourceVersion ?? ''}`);
}
