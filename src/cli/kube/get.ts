// `gitplane get TYPE[,TYPE…] [NAME…] | TYPE/NAME…`: server-side Tables printed
// as kubectl prints them (wide columns with -o wide, NAMESPACE with -A,
// `kind/name` for several types), or the objects with -o yaml|json|name;
// -w keeps printing rows as they change.

import type { Command } from 'commander';
import { isNotFound, type KubeObject } from '../../client/index.js';
import { isStatusError } from '../../api/status.js';
import { examples, usageError } from '../command.js';
import { CliExit, EXIT } from '../output.js';
import { addKubeConnectionFlags, boolOption, formatApiError, interruptible, kubeOutputOption, parseTimeout, withKube, type KubeContext, type KubeFlags, type KubeOutput } from './common.js';
import { KubeError } from './errors.js';
import { formatObjects, objectName } from './objects.js';
import { multipleTypesRequested, parseResourceArgs, qualifiedKind, resolveRequests, resourceClient, type ResourceRequest } from './resources.js';
import { fetchTable, printServerTable, type ServerTable, type TablePrintOptions } from './server-table.js';
import { watchResources } from './watch.js';

export interface GetFlags extends KubeFlags {
  output: KubeOutput;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  watch?: boolean;
  watchOnly?: boolean;
  outputWatchEvents?: boolean;
  showLabels?: boolean;
  labelColumns?: string[];
  showManagedFields?: boolean;
  headers: boolean;
  ignoreNotFound?: boolean;
  requestTimeout?: number;
}

export function registerGet(program: Command): void {
  const cmd = addKubeConnectionFlags(
    program
      .command('get')
      .argument('[resources...]', 'TYPE[,TYPE...] [NAME...] or TYPE/NAME...')
      .description('display one or many resources (pods, deploy, svc, all, …) as kubectl does'),
  )
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=cache')
    .option('--field-selector <selector>', 'field selector, e.g. status.phase=Running,spec.nodeName=n1')
    .addOption(kubeOutputOption(['table', 'wide', 'yaml', 'json', 'name'], 'table'))
    .option('-w, --watch', 'after listing, print each change until interrupted (Ctrl-C)')
    .option('--watch-only', 'print changes only, not the current objects')
    .option('--output-watch-events', 'with --watch: an EVENT column (ADDED, MODIFIED, DELETED)')
    .option('--show-labels', 'a LABELS column')
    .option('-L, --label-columns <keys>', 'a column per label key (comma-separated, repeatable)', (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)])
    .option('--no-headers', 'leave out the header line')
    .option('--show-managed-fields', 'keep metadata.managedFields in -o yaml|json')
    .addOption(boolOption('ignore-not-found', 'a missing named object is not an error', false))
    .option('--request-timeout <duration>', 'with --watch: stop watching after this long (default: never)', parseTimeout)
    .action((args: string[], flags: GetFlags) => withKube(flags, (ctx) => runGet(ctx, cmd, args, flags)));
  examples(cmd, [
    'gitplane get pods',
    'gitplane get po web-5d8f7c-x2x9z -o wide',
    'gitplane get deploy,svc -l app=web',
    'gitplane get deployment/web -o yaml',
    'gitplane get all -A',
    'gitplane get pods --field-selector status.phase=Running --show-labels',
    '# Follow changes until Ctrl-C:',
    'gitplane get pods -w',
  ]);
}

export async function runGet(ctx: KubeContext, cmd: Command, args: string[], flags: GetFlags): Promise<void> {
  if (args.length === 0) usageError(cmd, 'you must specify the type of resource to get (e.g. pods, deployments, svc, all)');
  let parsed: ReturnType<typeof parseResourceArgs>;
  try {
    parsed = parseResourceArgs(args, 'get');
  } catch (err) {
    if (err instanceof KubeError && err.exitCode === EXIT.USAGE) usageError(cmd, err.message);
    throw err;
  }
  const requests = await resolveRequests(ctx.resolver, parsed);
  const named = requests.some((r) => r.names.length > 0);
  if (named && flags.allNamespaces) usageError(cmd, 'a resource cannot be retrieved by name across all namespaces');
  if (named && flags.selector) usageError(cmd, 'when names are given, -l/--selector may not be used');
  const namespace = flags.allNamespaces ? undefined : ctx.namespace;
  const showKind = multipleTypesRequested(parsed, requests);

  if (flags.watch || flags.watchOnly) {
    if (requests.length !== 1 || requests[0]!.names.length > 1) usageError(cmd, `watch is only supported on individual resources and resource collections, but ${requests.length === 1 ? requests[0]!.names.length : requests.length} resources were found`);
    const req = requests[0]!;
    const stop = interruptible(flags.requestTimeout ?? 0);
    try {
      await watchResources({
        client: ctx.client,
        info: req.info,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(req.names[0] ? { name: req.names[0] } : {}),
        ...(flags.selector ? { labelSelector: flags.selector } : {}),
        ...(flags.fieldSelector ? { fieldSelector: flags.fieldSelector } : {}),
        format: flags.output,
        print: printOptions(req, flags, namespace === undefined, showKind, !!flags.outputWatchEvents),
        watchOnly: !!flags.watchOnly,
        noHeaders: !flags.headers,
        showManagedFields: !!flags.showManagedFields,
        signal: stop.signal,
        out: (t) => ctx.term.out(t),
        onEmpty: () => ctx.term.err(noResourcesMessage(requests, namespace)),
      });
    } finally {
      stop.dispose();
    }
    return;
  }

  const errors: string[] = [];
  const onError = (err: unknown) => {
    if (flags.ignoreNotFound && isNotFound(err)) return;
    if (!isStatusError(err)) throw err;
    errors.push(formatApiError(err));
  };

  if (flags.output === 'yaml' || flags.output === 'json' || flags.output === 'name') {
    const objects: KubeObject[] = [];
    for (const req of requests) objects.push(...(await getObjects(ctx, req, namespace, flags, onError)));
    const single = requests.length === 1 && requests[0]!.names.length === 1 && !showKind;
    if (flags.output === 'name') {
      for (const o of objects) ctx.term.out(objectName(o));
      if (objects.length === 0 && errors.length === 0 && !named) ctx.term.err(noResourcesMessage(requests, namespace));
    } else if (!(single && objects.length === 0)) {
      ctx.term.out(formatObjects(objects, flags.output, { single, showManagedFields: !!flags.showManagedFields }));
    }
    return finish(ctx, errors);
  }

  const sections: string[] = [];
  for (const req of requests) {
    const table = await getTable(ctx, req, namespace, flags, onError);
    const text = printServerTable(table, printOptions(req, flags, namespace === undefined, showKind, false), !flags.headers);
    if (text) sections.push(text);
  }
  if (sections.length > 0) ctx.term.out(sections.join('\n\n'));
  else if (errors.length === 0 && !named) ctx.term.err(noResourcesMessage(requests, namespace));
  finish(ctx, errors);
}

function printOptions(req: ResourceRequest, flags: GetFlags, allNamespaces: boolean, showKind: boolean, withEvent: boolean): TablePrintOptions {
  return {
    wide: flags.output === 'wide',
    withNamespace: allNamespaces && req.info.namespaced,
    ...(showKind ? { kindPrefix: qualifiedKind(req.info) } : {}),
    showLabels: !!flags.showLabels,
    labelColumns: flags.labelColumns ?? [],
    withEvent,
  };
}

function finish(ctx: KubeContext, errors: string[]): void {
  for (const e of errors) ctx.term.err(e);
  if (errors.length > 0) throw new CliExit(EXIT.FAILURE, errors[0]!);
}

/** "No resources found in default namespace." (or without the namespace for -A and cluster-scoped kinds). */
export function noResourcesMessage(requests: ResourceRequest[], namespace: string | undefined): string {
  return namespace !== undefined && requests.some((r) => r.info.namespaced) ? `No resources found in ${namespace} namespace.` : 'No resources found';
}

function listQuery(flags: Pick<GetFlags, 'selector' | 'fieldSelector'>): { labelSelector?: string; fieldSelector?: string } {
  return { ...(flags.selector ? { labelSelector: flags.selector } : {}), ...(flags.fieldSelector ? { fieldSelector: flags.fieldSelector } : {}) };
}

async function getTable(ctx: KubeContext, req: ResourceRequest, namespace: string | undefined, flags: GetFlags, onError: (err: unknown) => void): Promise<ServerTable> {
  const rc = resourceClient(ctx.client, req.info, namespace);
  if (req.names.length === 0) return fetchTable(ctx.client, rc.collectionPath(), listQuery(flags), { collection: true });
  const merged: ServerTable = { kind: 'Table', rows: [] };
  for (const name of req.names) {
    try {
      const t = await fetchTable(ctx.client, rc.objectPath(name));
      merged.columnDefinitions ??= t.columnDefinitions;
      merged.rows.push(...t.rows);
    } catch (err) {
      onError(err);
    }
  }
  return merged;
}

async function getObjects(ctx: KubeContext, req: ResourceRequest, namespace: string | undefined, flags: GetFlags, onError: (err: unknown) => void): Promise<KubeObject[]> {
  const rc = resourceClient(ctx.client, req.info, namespace);
  if (req.names.length === 0) return (await rc.listAll(listQuery(flags))).items;
  const out: KubeObject[] = [];
  for (const name of req.names) {
    try {
      out.push(await rc.get(name));
    } catch (err) {
      onError(err);
    }
  }
  return out;
}
