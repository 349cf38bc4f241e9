// `gitplane logs POD [-c CONTAINER] | TYPE/NAME | -l SELECTOR`: a container's
// log through pods/log (which the API server proxies to the node agent), with
// -f to follow, --tail, --previous, --timestamps, --since/--since-time. For a
// workload (deploy/web, rs/…, job/…, svc/…) one of its pods is picked by its
// selector, preferring running and ready pods, as kubectl does.

import type { Command } from 'commander';
import type { LabelSelector, Pod } from '../../api/generated/index.js';
import { Selector } from '../../client/index.js';
import type { LogOptions } from '../../client/index.js';
import { examples, usageError } from '../command.js';
import { parseDuration } from '../time.js';
import { addKubeConnectionFlags, interruptible, parseCount, parseTimeout, withKube, type KubeContext, type KubeFlags } from './common.js';
import { KubeError } from './errors.js';
import { qualifiedKind, resourceClient } from './resources.js';

interface LogsFlags extends KubeFlags {
  container?: string;
  follow?: boolean;
  tail: number;
  previous?: boolean;
  timestamps?: boolean;
  since?: string;
  sinceTime?: string;
  limitBytes?: number;
  allContainers?: boolean;
  selector?: string;
  prefix?: boolean;
  requestTimeout?: number;
}

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export function registerLogs(program: Command): void {
  const cmd = addKubeConnectionFlags(
    program
      .command('logs')
      .argument('[target]', 'POD, or TYPE/NAME of a workload (deploy/web, rs/…, job/…, svc/…) to take one of its pods')
      .argument('[container]', 'the container (same as -c)')
      .description("print a container's log (-f to follow it)"),
  )
    .option('-c, --container <name>', 'the container (default: the only one, the default-container annotation, or the first)')
    .option('-f, --follow', 'keep printing new lines until the container stops or Ctrl-C')
    .option('--tail <lines>', 'only the last N lines (-1: all)', parseCount('--tail', true), -1)
    .option('-p, --previous', "the previous (crashed) instance's log")
    .option('--timestamps', 'prefix each line with its RFC 3339 timestamp')
    .option('--since <duration>', 'only lines newer than this, e.g. 5s, 2m, 3h')
    .option('--since-time <time>', 'only lines after this RFC 3339 time')
    .option('--limit-bytes <n>', 'at most this many bytes', parseCount('--limit-bytes'))
    .option('--all-containers', "every container's log")
    .option('-l, --selector <selector>', 'the pods matching this label selector (each one\'s log, prefixed)')
    .option('--prefix', 'prefix each line with [pod/NAME/CONTAINER]')
    .option('--request-timeout <duration>', 'with -f: stop following after this long (default: never)', parseTimeout)
    .action((target: string | undefined, container: string | undefined, flags: LogsFlags) => withKube(flags, (ctx) => runLogs(ctx, cmd, target, container, flags)));
  examples(cmd, [
    'gitplane logs web-5d8f7c-x2x9z',
    'gitplane logs web-5d8f7c-x2x9z -c sidecar --tail 20',
    'gitplane logs -f deploy/web',
    'gitplane logs web-5d8f7c-x2x9z --previous',
    'gitplane logs -l app=web --since 10m --prefix',
  ]);
}

/** kubectl's preference when a workload has several pods: scheduled, running, ready, long ready, more restarts, older. */
export function pickPod(pods: Pod[]): Pod | undefined {
  const phaseRank: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };
  const ready = (p: Pod) => (p.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
  const active = pods.filter((p) => !p.metadata.deletionTimestamp);
  const candidates = active.length > 0 ? active : pods;
  return [...candidates].sort((a, b) => {
    const scheduled = Number(!a.spec?.nodeName) - Number(!b.spec?.nodeName);
    if (scheduled) return scheduled;
    const phase = (phaseRank[a.status?.phase ?? 'Pending'] ?? 3) - (phaseRank[b.status?.phase ?? 'Pending'] ?? 3);
    if (phase) return phase;
    const r = Number(ready(b)?.status === 'True') - Number(ready(a)?.status === 'True');
    if (r) return r;
    const since = (Date.parse(ready(a)?.lastTransitionTime ?? '') || 0) - (Date.parse(ready(b)?.lastTransitionTime ?? '') || 0);
    if (since) return since;
    const rs = restarts(b) - restarts(a);
    if (rs) return rs;
    return (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0);
  })[0];
}

/** The containers to read: -c, every one with --all-containers, else the only, the annotated default, or the first (with a notice). */
export function chooseContainers(pod: Pod, requested: string | undefined, all: boolean, notice: (text: string) => void): string[] {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  if (requested) return [requested];
  if (all) return [...(pod.spec?.initContainers ?? []).map((c) => c.name), ...containers];
  if (containers.length <= 1) return containers;
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && containers.includes(annotated)) return [annotated];
  notice(`Defaulted container "${containers[0]}" out of: ${containers.join(', ')}`);
  return [containers[0]!];
}

async function podsFor(ctx: KubeContext, cmd: Command, target: string | undefined, flags: LogsFlags): Promise<Pod[]> {
  const pods = ctx.client.pods.namespace(ctx.namespace);
  if (flags.selector) {
    if (target) usageError(cmd, 'give either a pod (or TYPE/NAME) or -l SELECTOR, not both');
    return (await pods.list({ labelSelector: flags.selector })).items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }
  if (!target) usageError(cmd, 'a pod, TYPE/NAME or -l SELECTOR is required (e.g. logs web-123, logs deploy/web)');
  const slash = target.indexOf('/');
  if (slash < 0) return [await pods.get(target)];
  const info = await ctx.resolver.resolveOne(target.slice(0, slash));
  const name = target.slice(slash + 1);
  if (info.group === '' && info.kind === 'Pod') return [await pods.get(name)];
  const owner = await resourceClient(ctx.client, info, ctx.namespace).get(name);
  const spec = (owner as { spec?: { selector?: LabelSelector | Record<string, string> } }).spec;
  const raw = spec?.selector;
  if (!raw) throw new KubeError(`cannot find the pods of ${qualifiedKind(info)}/${name}: it has no selector`);
  const selector = info.kind === 'Service' ? Selector.fromSet(raw as Record<string, string>) : Selector.fromLabelSelector(raw as LabelSelector);
  const matching = (await pods.list({ labelSelector: selector })).items;
  const chosen = pickPod(matching);
  if (!chosen) throw new KubeError(`no pods found for ${qualifiedKind(info)}/${name} (selector ${selector.toString()})`);
  if (matching.length > 1) ctx.term.err(`Found ${matching.length} pods, using pod/${chosen.metadata.name}`);
  return [chosen];
}

async function runLogs(ctx: KubeContext, cmd: Command, target: string | undefined, positionalContainer: string | undefined, flags: LogsFlags): Promise<void> {
  if (positionalContainer && flags.container && positionalContainer !== flags.container) usageError(cmd, 'give the container once: as the second argument or with -c');
  const container = flags.container ?? positionalContainer;
  let sinceSeconds: number | undefined;
  if (flags.since !== undefined) {
    const ms = parseDuration(flags.since);
    if (ms === undefined || ms <= 0) usageError(cmd, `--since takes a duration such as 10s, 5m or 2h, not "${flags.since}"`);
    sinceSeconds = Math.max(1, Math.ceil(ms / 1000));
  }
  if (flags.since && flags.sinceTime) usageError(cmd, 'at most one of --since and --since-time may be given');
  if (flags.sinceTime && Number.isNaN(Date.parse(flags.sinceTime))) usageError(cmd, `--since-time takes an RFC 3339 time such as 2026-01-02T15:04:05Z, not "${flags.sinceTime}"`);

  const pods = await podsFor(ctx, cmd, target, flags);
  if (pods.length === 0) return ctx.term.err(`No resources found in ${ctx.namespace} namespace.`);
  const streams: Array<{ pod: string; container: string }> = [];
  for (const pod of pods) for (const c of chooseContainers(pod, container, !!flags.allContainers, (t) => ctx.term.err(t))) streams.push({ pod: pod.metadata.name ?? '', container: c });
  const prefixed = !!flags.prefix || pods.length > 1;
  const base: LogOptions = {
    ...(flags.tail >= 0 ? { tailLines: flags.tail } : {}),
    ...(flags.previous ? { previous: true } : {}),
    ...(flags.timestamps ? { timestamps: true } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(flags.sinceTime ? { sinceTime: new Date(flags.sinceTime).toISOString() } : {}),
    ...(flags.limitBytes !== undefined ? { limitBytes: flags.limitBytes } : {}),
  };
  const podClient = ctx.client.pods.namespace(ctx.namespace);
  const label = (s: { pod: string; container: string }) => (prefixed ? `[pod/${s.pod}/${s.container}] ` : '');

  if (!flags.follow) {
    for (const s of streams) {
      const text = await podClient.logs(s.pod, { ...base, container: s.container, follow: false });
      const lines = text.endsWith('\n') ? text.slice(0, -1) : text;
      if (text !== '') ctx.term.out(prefixed ? lines.split('\n').map((l) => label(s) + l).join('\n') : lines);
    }
    return;
  }
  const stop = interruptible(flags.requestTimeout ?? 0);
  try {
    await Promise.all(
      streams.map(async (s) => {
        let stream;
        try {
          stream = await podClient.logs(s.pod, { ...base, container: s.container, follow: true, signal: stop.signal });
          for await (const line of stream) ctx.term.out(label(s) + line);
        } catch (err) {
          if (stop.signal.aborted) return;
          throw err;
        } finally {
          stream?.stop();
        }
      }),
    );
  } finally {
    stop.dispose();
  }
}
