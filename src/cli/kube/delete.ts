// `gitplane delete TYPE NAME… | TYPE/NAME… | -f FILE | TYPE -l SELECTOR | TYPE --all`:
// delete objects as kubectl does — `deployment.apps "web" deleted` per
// object, cascading in the background by default, then (--wait, the default)
// wait until each one is really gone (finalizers, graceful pod shutdown,
// foreground cascading).

import { InvalidArgumentError, type Command } from 'commander';
import type { KindInfo } from '../../api/schemas.js';
import { isStatusError } from '../../api/status.js';
import { isNotFound, isStatus, type DeleteOptions, type KubeObject } from '../../client/index.js';
import { examples, usageError } from '../command.js';
import { CliExit, EXIT } from '../output.js';
import { formatDuration } from '../time.js';
import { placeObject } from './apply.js';
import {
  addKubeConnectionFlags,
  boolOption,
  dryRunOption,
  dryRunSuffix,
  formatApiError,
  interruptible,
  kubeOutputOption,
  parseCount,
  parseTimeout,
  withKube,
  type DryRun,
  type KubeContext,
  type KubeFlags,
} from './common.js';
import { KubeError } from './errors.js';
import { readManifests } from './manifests.js';
import { parseResourceArgs, qualifiedKind, resolveRequests, resourceClient } from './resources.js';
import { waitForDeletion } from './wait.js';

interface DeleteFlags extends KubeFlags {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  fieldSelector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  wait: boolean;
  gracePeriod: number;
  now?: boolean;
  force?: boolean;
  cascade: 'background' | 'foreground' | 'orphan';
  timeout: number;
  ignoreNotFound: boolean;
  dryRun: DryRun;
  output?: 'name';
}

/** --cascade: background (default), foreground or orphan; kubectl's old true/false mean background/orphan. */
export function parseCascade(value: string): 'background' | 'foreground' | 'orphan' {
  const v = value.toLowerCase();
  if (v === 'background' || v === 'true') return 'background';
  if (v === 'foreground') return 'foreground';
  if (v === 'orphan' || v === 'false') return 'orphan';
  throw new InvalidArgumentError(`--cascade takes background, foreground or orphan, not "${value}"`);
}

export function registerDelete(program: Command): void {
  const cmd = addKubeConnectionFlags(
    program
      .command('delete')
      .argument('[resources...]', 'TYPE NAME..., TYPE/NAME..., or TYPE with -l/--all')
      .description('delete objects by name, by label selector, or as listed in manifest files'),
  )
    .option('-f, --filename <path>', 'delete the objects in this manifest file or directory, or - for stdin (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-R, --recursive', 'with -f DIR: also its subdirectories')
    .option('-l, --selector <selector>', 'delete the objects of TYPE matching this label selector')
    .option('--field-selector <selector>', 'delete the objects of TYPE matching this field selector')
    .option('--all', 'delete every object of TYPE in the namespace')
    .option('-A, --all-namespaces', 'with -l/--all: in every namespace')
    .addOption(boolOption('wait', 'wait until the objects are gone (--wait=false to return at once)', true))
    .option('--grace-period <seconds>', 'seconds a pod gets to shut down (-1: the pod\'s own)', parseCount('--grace-period', true), -1)
    .option('--now', 'a grace period of 1 second')
    .option('--force', 'with --grace-period=0: remove at once, without waiting for the node to confirm')
    .option('--cascade <strategy>', 'background (default), foreground (dependents first), or orphan (keep dependents)', parseCascade, 'background')
    .option('--timeout <duration>', 'how long --wait waits (0: no limit)', parseTimeout, 0)
    .addOption(boolOption('ignore-not-found', 'a missing object is not an error', false))
    .addOption(dryRunOption())
    .addOption(kubeOutputOption(['name']))
    .action((args: string[], flags: DeleteFlags) => withKube(flags, (ctx) => runDelete(ctx, cmd, args, flags)));
  examples(cmd, [
    'gitplane delete pod web-5d8f7c-x2x9z',
    'gitplane delete deployment/web service/web',
    'gitplane delete -f web.yaml',
    'gitplane delete pods -l app=web --wait=false',
    'gitplane delete deploy web --cascade=orphan',
    'gitplane delete pods --all --grace-period=0 --force',
  ]);
}

interface Target {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
}

async function targetsFor(ctx: KubeContext, cmd: Command, args: string[], flags: DeleteFlags): Promise<Target[]> {
  if (flags.filename?.length) {
    if (args.length > 0) usageError(cmd, 'give either -f or resource arguments, not both');
    const { objects, problems } = await readManifests(flags.filename, !!flags.recursive);
    if (problems.length > 0) {
      for (const p of problems) ctx.term.err(`error: ${p.source}:${p.line}: ${p.message}`);
      throw new CliExit(EXIT.FAILURE, problems[0]!.message);
    }
    const out: Target[] = [];
    for (const m of objects) {
      const info = await ctx.resolver.forObject(m.object.apiVersion ?? '', m.object.kind ?? '');
      const placed = placeObject(m.object, info, ctx.namespace, ctx.explicitNamespace);
      if (!placed.metadata?.name) throw new KubeError(`an object in "${m.source}" (line ${m.line}) has no name`);
      out.push({ info, namespace: placed.metadata.namespace, name: placed.metadata.name });
    }
    return out;
  }
  if (args.length === 0) usageError(cmd, 'you must provide one or more resources by argument or filename (e.g. delete pod web, delete -f web.yaml)');
  let parsed: ReturnType<typeof parseResourceArgs>;
  try {
    parsed = parseResourceArgs(args, 'delete');
  } catch (err) {
    if (err instanceof KubeError && err.exitCode === EXIT.USAGE) usageError(cmd, err.message);
    throw err;
  }
  const requests = await resolveRequests(ctx.resolver, parsed);
  const selecting = !!flags.selector || !!flags.fieldSelector || !!flags.all;
  const named = requests.some((r) => r.names.length > 0);
  if (named && selecting) usageError(cmd, 'names cannot be combined with -l, --field-selector or --all');
  if (!named && !selecting) usageError(cmd, 'resource(s) were provided, but no name was specified (give names, -l SELECTOR, or --all)');
  const namespace = flags.allNamespaces ? undefined : ctx.namespace;
  const out: Target[] = [];
  for (const req of requests) {
    if (named) {
      for (const name of req.names) out.push({ info: req.info, namespace: req.info.namespaced ? ctx.namespace : undefined, name });
      continue;
    }
    const list = await resourceClient(ctx.client, req.info, namespace).listAll({
      ...(flags.selector ? { labelSelector: flags.selector } : {}),
      ...(flags.fieldSelector ? { fieldSelector: flags.fieldSelector } : {}),
    });
    for (const o of list.items) out.push({ info: req.info, namespace: o.metadata?.namespace, name: o.metadata?.name ?? '' });
  }
  if (out.length === 0) ctx.term.err(namespace === undefined || !requests.some((r) => r.info.namespaced) ? 'No resources found' : `No resources found in ${namespace} namespace.`);
  return out;
}

async function runDelete(ctx: KubeContext, cmd: Command, args: string[], flags: DeleteFlags): Promise<void> {
  let grace = flags.gracePeriod >= 0 ? flags.gracePeriod : undefined;
  if (flags.now) {
    if (grace !== undefined) usageError(cmd, '--now and --grace-period cannot be specified together');
    grace = 1;
  }
  if (flags.force) {
    if (grace === undefined) grace = 0;
    if (grace === 0) ctx.term.err('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.');
  }
  const targets = await targetsFor(ctx, cmd, args, flags);
  const options: DeleteOptions = {
    propagationPolicy: ({ background: 'Background', foreground: 'Foreground', orphan: 'Orphan' } as const)[flags.cascade],
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    ...(flags.dryRun === 'server' ? { dryRun: true } : {}),
  };
  const errors: string[] = [];
  const pending: Array<Target & { uid?: string }> = [];
  for (const t of targets) {
    const rc = resourceClient(ctx.client, t.info, t.namespace);
    try {
      let uid: string | undefined;
      if (flags.dryRun === 'client') await rc.get(t.name);
      else {
        const result = await rc.delete(t.name, options);
        uid = isStatus(result) ? result.details?.uid : (result as KubeObject).metadata?.uid;
      }
      ctx.term.out(flags.output === 'name' ? `${qualifiedKind(t.info)}/${t.name}` : `${qualifiedKind(t.info)} "${t.name}" deleted${dryRunSuffix(flags.dryRun)}`);
      pending.push({ ...t, ...(uid ? { uid } : {}) });
    } catch (err) {
      if (isNotFound(err) && flags.ignoreNotFound) continue;
      if (!isStatusError(err)) throw err;
      errors.push(formatApiError(err));
    }
  }
  for (const e of errors) ctx.term.err(e);

  if (flags.wait && flags.dryRun === 'none' && pending.length > 0) {
    const started = Date.now();
    const stop = interruptible(flags.timeout);
    try {
      for (const t of pending) {
        const gone = await waitForDeletion(resourceClient(ctx.client, t.info, t.namespace), t.name, t.uid, stop.signal);
        if (gone) continue;
        if (stop.reason() === 'interrupt') throw new CliExit(130, 'interrupted');
        ctx.term.err(`error: timed out after ${formatDuration(Date.now() - started)} waiting for ${qualifiedKind(t.info)}/${t.name} to be deleted`);
        throw new CliExit(EXIT.TIMEOUT, 'timed out');
      }
    } finally {
      stop.dispose();
    }
  }
  if (errors.length > 0) throw new CliExit(EXIT.FAILURE, errors[0]!);
}
