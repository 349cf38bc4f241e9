// What the kubectl-like verbs share: the connection (-n defaults to the
// kubeconfig context's namespace, "default" — not gitplane-system), one runner
// that prints API errors as kubectl does ("Error from server (NotFound): …",
// exit 1), and the flags several verbs take (-o, --dry-run, --timeout, booleans
// that accept kubectl's `--wait=false`).

import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander';
import { isStatusError, type StatusError } from '../../api/status.js';
import type { Client } from '../../client/index.js';
import { addConnectionFlags } from '../command.js';
import { connect, ConnectionError, describeUnreachable, isUnreachable, type Connection, type ConnectionFlags } from '../connect.js';
import { CliExit, EXIT, fail, terminal, type Terminal } from '../output.js';
import { parseDuration } from '../time.js';
import { KubeError } from './errors.js';
import { ResourceResolver } from './resources.js';

export type KubeFlags = ConnectionFlags;

export interface KubeContext {
  term: Terminal;
  conn: Connection;
  client: Client;
  /** -n, else the kubeconfig context's namespace ("default"). */
  namespace: string;
  /** True when -n was given (apply checks it against the manifests' namespaces). */
  explicitNamespace: boolean;
  resolver: ResourceResolver;
}

export { KubeError };

export const NAMESPACE_HELP = 'namespace (default: the kubeconfig context\'s namespace, else "default")';

/** --kubeconfig, --context and -n for a kubectl-like verb. */
export function addKubeConnectionFlags(cmd: Command): Command {
  return addConnectionFlags(cmd, NAMESPACE_HELP);
}

/**
 * kubectl's one-line rendering of an API error: `Error from server (Reason): message`, and for
 * Invalid the causes, as `The Deployment "web" is invalid: spec.replicas: …`.
 */
export function formatApiError(err: StatusError, context = ''): string {
  const where = context ? `${context}: ` : '';
  if (err.reason === 'Invalid' && err.status.details) {
    const d = err.status.details;
    const causes = (d.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '')));
    const head = `${where}The ${d.kind ?? 'object'} "${d.name ?? ''}" is invalid`;
    if (causes.length === 0) return `${head}: ${err.message}`;
    if (causes.length === 1) return `${head}: ${causes[0]}`;
    return `${head}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
  }
  return `Error from server (${err.reason ?? 'InternalError'}): ${where}${err.message}`;
}

/** The line to print for any error a verb ran into (API, connection, or our own). */
export function describeError(err: unknown, server: string): string {
  if (isStatusError(err)) return formatApiError(err);
  if (isUnreachable(err)) return `gitplane: ${describeUnreachable(err, server)}`;
  return `error: ${(err as Error).message ?? String(err)}`;
}

/** Connect (-n defaults to the context's namespace), run `fn`, close; errors print as kubectl's and exit 1. */
export async function withKube(flags: KubeFlags, fn: (ctx: KubeContext) => Promise<void>, term: Terminal = terminal()): Promise<void> {
  let conn: Connection;
  try {
    conn = connect(flags, 'default');
  } catch (err) {
    if (err instanceof ConnectionError) fail(term, err.message);
    throw err;
  }
  const namespace = flags.namespace || conn.contextNamespace || 'default';
  const ctx: KubeContext = { term, conn, client: conn.client, namespace, explicitNamespace: !!flags.namespace, resolver: new ResourceResolver(conn.client) };
  try {
    await fn(ctx);
  } catch (err) {
    if (err instanceof CommanderError) throw err;
    if (err instanceof KubeError) {
      term.err(`error: ${err.message}`);
      throw new CliExit(err.exitCode, err.message);
    }
    if (isUnreachable(err)) fail(term, describeUnreachable(err, conn.server));
    if (isStatusError(err)) {
      term.err(formatApiError(err));
      throw new CliExit(EXIT.FAILURE, err.message);
    }
    throw err;
  } finally {
    conn.close();
  }
}

export type KubeOutput = 'table' | 'wide' | 'yaml' | 'json' | 'name';

/** -o table|wide|yaml|json|name (a subset for verbs that print less). */
export function kubeOutputOption(formats: KubeOutput[] = ['table', 'wide', 'yaml', 'json', 'name'], defaultFormat?: KubeOutput): Option {
  const opt = new Option('-o, --output <format>', 'output format').choices(formats);
  return defaultFormat ? opt.default(defaultFormat) : opt;
}

/** "true"/"false" for flags kubectl writes as `--wait=false`. */
export function parseBool(flag: string): (value: string) => boolean {
  return (value: string) => {
    const v = value.toLowerCase();
    if (['true', 't', '1', 'yes'].includes(v)) return true;
    if (['false', 'f', '0', 'no'].includes(v)) return false;
    throw new InvalidArgumentError(`${flag} takes true or false (as --${flag}=false), not "${value}"`);
  };
}

/** A boolean flag that also takes `=true|false`, with a default. */
export function boolOption(flag: string, help: string, defaultValue: boolean): Option {
  // Without a value commander sets true itself (no preset, so --help stays short).
  return new Option(`--${flag} [bool]`, help).argParser(parseBool(flag)).default(defaultValue);
}

export type DryRun = 'none' | 'client' | 'server';

/** --dry-run[=none|client|server]; bare --dry-run means client, as in kubectl. */
export function dryRunOption(): Option {
  return new Option('--dry-run [strategy]', 'change nothing: "client" sends nothing, "server" has the server validate without persisting (bare --dry-run: client)')
    .choices(['none', 'client', 'server'])
    .preset('client')
    .default('none');
}

/** " (dry run)" or " (server dry run)" after an outcome, as kubectl prints it. */
export function dryRunSuffix(dryRun: DryRun | undefined): string {
  return dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
}

/** --timeout as kubectl takes it: "0" (wait forever), "90s", "5m". Milliseconds; 0 = no limit. */
export function parseTimeout(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 0) throw new InvalidArgumentError(`invalid duration "${value}" (use e.g. 0, 90s, 5m, 1h)`);
  return ms;
}

/** A non-negative integer flag value. */
export function parseCount(flag: string, allowNegativeOne = false): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || (n < 0 && !(allowNegativeOne && n === -1))) throw new InvalidArgumentError(`${flag} takes a ${allowNegativeOne ? 'number (-1 for none)' : 'non-negative number'}, not "${value}"`);
    return n;
  };
}

/**
 * An AbortSignal that fires on Ctrl-C (SIGINT) or after `timeoutMs` (when > 0), for watches and
 * followed logs; `dispose` removes the handler. `reason()` says which happened.
 */
export function interruptible(timeoutMs = 0): { signal: AbortSignal; reason(): 'interrupt' | 'timeout' | undefined; dispose(): void } {
  const controller = new AbortController();
  let why: 'interrupt' | 'timeout' | undefined;
  const onSigint = () => {
    why ??= 'interrupt';
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          why ??= 'timeout';
          controller.abort();
        }, timeoutMs)
      : undefined;
  timer?.unref?.();
  return {
    signal: controller.signal,
    reason: () => why,
    dispose: () => {
      process.off('SIGINT', onSigint);
      if (timer) clearTimeout(timer);
    },
  };
}
