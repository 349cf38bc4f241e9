// `gitplane apply -f FILE|DIR|-`: create or update objects from manifests.
//
// By default this is kubectl's client-side apply: the object is sent with
// the kubectl.kubernetes.io/last-applied-configuration annotation, and an
// existing object gets the three-way strategic merge patch (last applied →
// manifest for deletions, live → manifest for changes) that `kubectl apply`
// computes — so fields removed from the manifest are removed, fields others
// set are kept, and objects kubectl applied before carry on seamlessly. With
// --server-side the object goes as a server-side apply patch (fieldManager
// "gitplane-cli", --force-conflicts to take fields over). Either way each
// object prints `deployment.apps/web created|configured|unchanged`.

import type { Command } from 'commander';
import { deepEqual, patchMetaFor, type JsonObject } from '../../api/patch/index.js';
import type { KindInfo } from '../../api/schemas.js';
import { isStatusError, type StatusError } from '../../api/status.js';
import { isNotFound, type KubeObject, type ResourceClient } from '../../client/index.js';
import { threeWayPatch } from '../../gitops/diff/index.js';
import { examples, usageError } from '../command.js';
import { isUnreachable } from '../connect.js';
import { CliExit, EXIT } from '../output.js';
import { addKubeConnectionFlags, dryRunOption, dryRunSuffix, kubeOutputOption, withKube, type DryRun, type KubeContext, type KubeFlags } from './common.js';
import { KubeError } from './errors.js';
import { describeSource, readManifests, type ManifestObject, type ManifestProblem } from './manifests.js';
import { formatObjects, objectName } from './objects.js';
import { qualifiedKind, resourceClient } from './resources.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEFAULT_FIELD_MANAGER = 'gitplane-cli';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

interface ApplyFlags extends KubeFlags {
  filename?: string[];
  recursive?: boolean;
  dryRun: DryRun;
  serverSide?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
  validate: string;
  output?: 'yaml' | 'json' | 'name';
}

export function registerApply(program: Command): void {
  const cmd = addKubeConnectionFlags(program.command('apply').description('create or update objects from manifest files, directories or stdin, as kubectl apply does'))
    .option('-f, --filename <path>', 'a manifest file, a directory of them, or - for stdin (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-R, --recursive', 'with a directory: also the manifests in its subdirectories')
    .addOption(dryRunOption())
    .option('--server-side', 'server-side apply (the server merges and tracks field ownership) instead of the client-side three-way patch')
    .option('--force-conflicts', 'with --server-side: take over fields another manager owns')
    .option('--field-manager <name>', `the field manager recorded for the change (default "${DEFAULT_FIELD_MANAGER}")`)
    .option('--validate <mode>', 'how the server treats unknown or duplicate fields: strict, warn or ignore (true = strict, false = ignore)', 'strict')
    .addOption(kubeOutputOption(['yaml', 'json', 'name']))
    .action((flags: ApplyFlags) => withKube(flags, (ctx) => runApply(ctx, cmd, flags)));
  examples(cmd, [
    'gitplane apply -f web.yaml',
    'gitplane apply -f deploy/ -R',
    'cat web.yaml | gitplane apply -f -',
    '# Validate on the server without changing anything:',
    'gitplane apply -f web.yaml --dry-run=server',
    'gitplane apply -f web.yaml --server-side --force-conflicts',
  ]);
}

/** strict|warn|ignore (and kubectl's true/false) → the fieldValidation parameter. */
export function fieldValidationFor(mode: string): 'Strict' | 'Warn' | 'Ignore' | undefined {
  switch (mode.toLowerCase()) {
    case 'strict':
    case 'true':
      return 'Strict';
    case 'warn':
      return 'Warn';
    case 'ignore':
    case 'false':
      return 'Ignore';
    default:
      return undefined;
  }
}

async function runApply(ctx: KubeContext, cmd: Command, flags: ApplyFlags): Promise<void> {
  if (!flags.filename || flags.filename.length === 0) usageError(cmd, 'must specify one of -f and -k (-f FILE, -f DIR or -f -)');
  const fieldValidation = fieldValidationFor(flags.validate);
  if (!fieldValidation) usageError(cmd, `--validate takes strict, warn, ignore, true or false, not "${flags.validate}"`);
  if (flags.forceConflicts && !flags.serverSide) usageError(cmd, '--force-conflicts only works with --server-side');

  const { objects, problems } = await readManifests(flags.filename, !!flags.recursive);
  if (problems.length > 0) reportProblems(ctx, problems);
  if (objects.length === 0) throw new KubeError('no objects passed to apply');

  const results: KubeObject[] = [];
  let failed = 0;
  for (const m of objects) {
    try {
      const { outcome, object } = await applyOne(ctx, m, { ...flags, fieldValidation });
      results.push(object);
      if (!flags.output) ctx.term.out(`${objectName(m.object)} ${outcome}${dryRunSuffix(flags.dryRun)}`);
      else if (flags.output === 'name') ctx.term.out(objectName(m.object));
    } catch (err) {
      failed++;
      if (err instanceof ApplyStepError && isUnreachable(err.cause)) throw err.cause;
      ctx.term.err(err instanceof ApplyStepError ? describeApplyError(err.cause, m, err.verb) : describeApplyError(err, m, 'applying'));
    }
  }
  if (flags.output === 'yaml' || flags.output === 'json') ctx.term.out(formatObjects(results, flags.output, { single: results.length === 1 && objects.length === 1 }));
  if (failed > 0) throw new CliExit(EXIT.FAILURE, `${failed} object(s) failed to apply`);
}

function reportProblems(ctx: KubeContext, problems: ManifestProblem[]): never {
  for (const p of problems) ctx.term.err(`error: ${p.source}:${p.line}: ${p.message}`);
  throw new CliExit(EXIT.FAILURE, problems[0]!.message);
}

/** Fill in (or check) the namespace of a manifest's object; cluster-scoped kinds lose theirs. */
export function placeObject(obj: KubeObject, info: Pick<KindInfo, 'namespaced'>, namespace: string, explicit: boolean): KubeObject {
  const out = structuredClone(obj);
  out.metadata ??= {};
  if (!info.namespaced) {
    delete out.metadata.namespace;
    return out;
  }
  const own = out.metadata.namespace;
  if (own && explicit && own !== namespace) {
    throw new KubeError(`the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  out.metadata.namespace = own || namespace;
  return out;
}

/** The object as client-side apply sends it: with the last-applied annotation holding the object itself (without that annotation). */
export function withLastApplied(obj: KubeObject): KubeObject {
  const out = structuredClone(obj);
  const annotations = { ...(out.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const recorded = structuredClone(out);
  recorded.metadata = { ...(recorded.metadata ?? {}) };
  if (Object.keys(annotations).length > 0) recorded.metadata.annotations = annotations;
  else delete recorded.metadata.annotations;
  out.metadata = { ...(out.metadata ?? {}), annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(recorded)}\n` } };
  return out;
}

/** What client-side apply sends for `desired` (with its annotation) given the live object. */
export type ApplyPlan = { action: 'create'; body: KubeObject } | { action: 'patch'; patch: JsonObject; patchType: 'strategic' | 'merge' } | { action: 'none' };

export function planClientSideApply(desired: KubeObject, live: KubeObject | undefined): ApplyPlan {
  if (!live) return { action: 'create', body: desired };
  const lastText = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  let last: JsonObject | undefined;
  try {
    const parsed = lastText ? (JSON.parse(lastText) as unknown) : undefined;
    last = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    last = undefined;
  }
  const meta = patchMetaFor(desired.apiVersion ?? '', desired.kind ?? '');
  const patch = threeWayPatch(last, desired as unknown as JsonObject, live as unknown as JsonObject, meta);
  if (Object.keys(patch).length === 0) return { action: 'none' };
  return { action: 'patch', patch, patchType: meta ? 'strategic' : 'merge' };
}

interface ApplyOptions {
  dryRun: DryRun;
  serverSide?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
}

async function applyOne(ctx: KubeContext, m: ManifestObject, opts: ApplyOptions): Promise<{ outcome: ApplyOutcome; object: KubeObject }> {
  const apiVersion = m.object.apiVersion ?? '';
  const kind = m.object.kind ?? '';
  const name = m.object.metadata?.name;
  let info: KindInfo;
  try {
    info = await ctx.resolver.forObject(apiVersion, kind);
  } catch (err) {
    throw new KubeError(`resource mapping not found for name: "${name ?? ''}" namespace: "${m.object.metadata?.namespace ?? ''}" from ${describeSource(m)}: ${(err as Error).message}`);
  }
  if (!name) throw new KubeError(`error when retrieving current configuration of ${qualifiedKind(info)} from ${describeSource(m)}: resource name may not be empty`);
  const obj = placeObject(m.object, info, ctx.namespace, ctx.explicitNamespace);
  const rc = resourceClient(ctx.client, info, obj.metadata?.namespace);
  const live = await step('retrieving current configuration of', () => getOrUndefined(rc, name));
  const write = {
    ...(opts.dryRun === 'server' ? { dryRun: true } : {}),
    fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER,
    fieldValidation: opts.fieldValidation,
  };

  if (opts.serverSide) {
    if (opts.dryRun === 'client') return { outcome: live ? 'configured' : 'created', object: obj };
    const applied = await step('applying', () => rc.apply(obj, { ...write, force: !!opts.forceConflicts }));
    return { outcome: serverSideOutcome(live, applied), object: applied };
  }

  const desired = withLastApplied(obj);
  if (live && !live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION] && opts.dryRun === 'none') {
    ctx.term.err(`Warning: resource ${info.plural}/${name} is missing the ${LAST_APPLIED_ANNOTATION} annotation, which apply uses to find fields removed from the manifest; it is added now.`);
  }
  const plan = planClientSideApply(desired, live);
  if (plan.action === 'none') return { outcome: 'unchanged', object: live! };
  if (plan.action === 'create') {
    if (opts.dryRun === 'client') return { outcome: 'created', object: desired };
    return { outcome: 'created', object: await step('creating', () => rc.create(desired, write)) };
  }
  if (opts.dryRun === 'client') return { outcome: 'configured', object: desired };
  return { outcome: 'configured', object: await step('patching', () => rc.patch(name, plan.patch, plan.patchType, write)) };
}

/** An API error with what apply was doing when it happened. */
export class ApplyStepError extends Error {
  constructor(
    readonly verb: string,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'ApplyStepError';
  }
}

async function step<T>(verb: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ApplyStepError(verb, err);
  }
}

async function getOrUndefined(rc: ResourceClient<KubeObject>, name: string): Promise<KubeObject | undefined> {
  try {
    return await rc.get(name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * created when there was nothing; unchanged when the object came back as it was (apart from
 * resourceVersion, managedFields, generation and status, which others move); else configured.
 */
export function serverSideOutcome(live: KubeObject | undefined, applied: KubeObject): ApplyOutcome {
  if (!live) return 'created';
  const comparable = (o: KubeObject) => {
    const c = structuredClone(o) as KubeObject & { metadata: Record<string, unknown> };
    c.metadata ??= {};
    for (const k of ['resourceVersion', 'managedFields', 'generation']) delete c.metadata[k];
    delete c.status;
    return c;
  };
  return deepEqual(comparable(live), comparable(applied)) ? 'unchanged' : 'configured';
}

/** An API error for one manifest object: where it came from, and for invalid fields the line of each. */
export function describeApplyError(err: unknown, m: ManifestObject, verb: string): string {
  if (err instanceof KubeError) return `error: ${err.message}`;
  if (!isStatusError(err)) return `error: when ${verb} ${describeSource(m)}: ${(err as Error).message ?? String(err)}`;
  const e: StatusError = err;
  const details = e.status.details;
  if (e.reason === 'Invalid' && (details?.causes ?? []).length > 0) {
    const lines = details!.causes!.map((c) => `  ${m.source}:${c.field ? m.lineOf(c.field) : m.line}: ${c.field ? `${c.field}: ` : ''}${c.message ?? ''}`);
    return [`The ${details!.kind ?? m.object.kind} "${details!.name ?? m.object.metadata?.name ?? ''}" is invalid (${m.source}:${m.line}, document ${m.index}):`, ...lines].join('\n');
  }
  const hint = e.reason === 'Conflict' && verb === 'applying' ? '\nRe-run with --force-conflicts to take over the fields listed above (they have other managers).' : '';
  return `Error from server (${e.reason ?? 'InternalError'}): error when ${verb} ${describeSource(m)}: ${e.message}${hint}`;
}
