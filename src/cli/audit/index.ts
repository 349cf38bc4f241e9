// `gitplane audit [APP]` (and `gitplane app audit NAME`): who changed what in
// Git, and when it went live — the Git log of each app's path joined with the
// app's deployment history; --resource narrows it to one object's changes.

import type { Command } from 'commander';
import type { Application } from '../../api/generated/index.js';
import type { GitRepository } from '../../gitops/source/index.js';
import { addConnectionFlags, examples, usageError, usageExit, withClient, type Context } from '../command.js';
import { formatStructured, outputOption, type OutputFormat } from '../output.js';
import { getApp } from '../app/common.js';
import { openAppRepository, targetOf } from '../repo.js';
import { parseSince } from '../time.js';
import { joinAudit, memoizeAncestry, type AuditEntry } from './join.js';
import { auditTable } from './print.js';
import { filterByResource, parseResourceRef, type ResourceRef } from './resource.js';
import type { ConnectionFlags } from '../connect.js';

export interface AuditFlags extends ConnectionFlags {
  since?: string;
  path?: string;
  resource?: string;
  limit?: string;
  output: OutputFormat;
}

export function registerAudit(program: Command): void {
  const cmd = addAuditFlags(
    program
      .command('audit')
      .argument('[app]', 'only this Application (default: every Application in the namespace)')
      .description('who changed what in Git, and when it went live: the Git log of each app joined with its deployments')
      .exitOverride(usageExit),
  ).action((app: string | undefined, flags: AuditFlags) => withClient(flags, (ctx) => runAudit(ctx, cmd, app, flags)));
  auditExamples(cmd, 'gitplane audit');
}

export function addAuditFlags(cmd: Command): Command {
  return addConnectionFlags(cmd, 'namespace of the Applications (default "gitplane-system")')
    .option('--since <date|age>', 'only commits since a date (2026-01-01) or within an age (24h, 7d)')
    .option('--path <path>', 'only commits touching this repository path (inside the app path)')
    .option('--resource <kind/ns/name>', 'only commits that changed this object (Kind/name for cluster-scoped objects)')
    .option('--limit <n>', 'at most this many commits per app')
    .addOption(outputOption());
}

export function auditExamples(cmd: Command, verb: 'gitplane audit' | 'gitplane app audit'): void {
  const all = verb === 'gitplane audit' ? ['# Every app in gitplane-system, newest commits first:', 'gitplane audit'] : [];
  examples(cmd, [
    ...all,
    `${verb} web`,
    `${verb} web --since 24h`,
    `${verb} web --since 2026-01-01 -o json`,
    '# Which commits changed this Deployment, and when did each go live?',
    `${verb} web --resource Deployment/web/frontend`,
  ]);
}

export async function runAudit(ctx: Context, cmd: Command, appName: string | undefined, flags: AuditFlags): Promise<void> {
  const since = flags.since === undefined ? undefined : parseSince(flags.since);
  if (flags.since !== undefined && since === undefined) usageError(cmd, `--since takes a date (2026-01-01) or an age (24h, 7d), not "${flags.since}"`);
  const ref: ResourceRef | undefined = flags.resource === undefined ? undefined : parseResourceRef(flags.resource);
  if (flags.resource !== undefined && !ref) usageError(cmd, `--resource takes Kind/namespace/name or Kind/name, not "${flags.resource}"`);
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) usageError(cmd, `--limit takes a positive number, not "${flags.limit}"`);

  const apps = appName ? [await getApp(ctx, appName)] : (await ctx.conn.client.applications.namespace(ctx.conn.namespace).list()).items;
  const repos = new Map<string, Promise<GitRepository>>();
  const entries: AuditEntry[] = [];
  try {
    for (const app of apps.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
      const logPath = auditPath(app.spec.source.path ?? '.', flags.path);
      if (logPath === undefined) continue;
      const url = app.spec.source.repoURL;
      if (!repos.has(url)) repos.set(url, openAppRepository(ctx.conn.client, app));
      try {
        entries.push(...(await auditApp(app, await repos.get(url)!, logPath, since, limit, ref)));
      } catch (err) {
        if (appName) throw err;
        ctx.term.err(`warning: skipping ${app.metadata.name}: ${(err as Error).message}`); // one bad app does not hide the others
      }
    }
  } finally {
    for (const r of repos.values()) await r.then((repo) => repo.close(), () => undefined);
  }
  if (flags.output === 'json' || flags.output === 'yaml') return ctx.term.out(formatStructured(entries, flags.output));
  if (entries.length === 0) return ctx.term.err(apps.length === 0 ? `No applications found in namespace ${ctx.conn.namespace}.` : 'No matching commits.');
  ctx.term.out(auditTable(entries, { showApp: apps.length > 1, showChange: ref !== undefined, wide: flags.output === 'wide', style: ctx.term.style }));
}

async function auditApp(app: Application, repo: GitRepository, path: string, since: number | undefined, limit: number | undefined, ref: ResourceRef | undefined): Promise<AuditEntry[]> {
  const log = await repo.log({
    ...(targetOf(app) ? { ref: targetOf(app)! } : {}),
    path,
    ...(since !== undefined ? { since: Math.floor(since / 1000) } : {}),
    ...(limit !== undefined && !ref ? { depth: limit } : {}),
  });
  const joined = await joinAudit(
    { name: app.metadata.name ?? '', namespace: app.metadata.namespace ?? 'default' },
    log,
    app.status?.history ?? [],
    memoizeAncestry((a, d) => repo.isAncestor(a, d).catch(() => false)),
  );
  if (!ref) return joined;
  const changed = await filterByResource(joined, app, repo, ref);
  return limit !== undefined ? changed.slice(0, limit) : changed;
}

/**
 * The repository path to log for an app: the app's path, or --path when it lies inside it;
 * an app inside --path keeps its own path; undefined when they do not overlap (app skipped).
 */
export function auditPath(appPath: string, filter: string | undefined): string | undefined {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+|\/+$/g, '').replace(/^\.$/, '');
  const a = norm(appPath);
  if (filter === undefined) return a;
  const f = norm(filter);
  const inside = (child: string, parent: string) => parent === '' || child === parent || child.startsWith(`${parent}/`);
  if (inside(f, a)) return f;
  if (inside(a, f)) return a;
  return undefined;
}
