// Helpers the app verbs share: the Applications client for -n, reading one app
// with a not-found message that says where it looked, who the user is, and the
// --timeout flag.

import os from 'node:os';
import { InvalidArgumentError, Option } from 'commander';
import type { Application } from '../../api/generated/index.js';
import { isNotFound, type ResourceClient } from '../../client/index.js';
import type { Context } from '../command.js';
import type { ConnectionFlags } from '../connect.js';
import { fail } from '../output.js';
import { parseDuration } from '../time.js';

export type AppFlags = ConnectionFlags;

export function appsClient(ctx: Context): ResourceClient<Application> {
  return ctx.conn.client.applications.namespace(ctx.conn.namespace);
}

export async function getApp(ctx: Context, name: string): Promise<Application> {
  try {
    return await appsClient(ctx).get(name);
  } catch (err) {
    if (isNotFound(err)) fail(ctx.term, `application "${name}" not found in namespace ${ctx.conn.namespace} (see gitplane app list${ctx.conn.namespace === 'gitplane-system' ? '' : ` -n ${ctx.conn.namespace}`})`);
    throw err;
  }
}

/** The local user, for operation.initiatedBy. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  if (env.USER) return env.USER;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** --timeout parsed as a commander argParser would: "5m", "90s", "300". */
export function timeoutMs(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError(`invalid duration "${value}" (use e.g. 90s, 5m, 1h)`);
  return ms;
}

/** --timeout <duration>, default 5m (shown as "5m" in --help). */
export function timeoutOption(help = 'how long to wait'): Option {
  return new Option('--timeout <duration>', help).argParser(timeoutMs).default(5 * 60_000, '5m');
}
