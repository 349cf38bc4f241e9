// Polling remotes on a cron schedule (node-cron v4, 6 fields with seconds
// allowed): validated up front, never overlapping itself, and unref'd so a
// schedule never keeps the process alive.

import cron from 'node-cron';
import { GitSourceError } from './errors.js';

/** Every 3 minutes, on the minute (Argo CD's default refresh interval). */
export const DEFAULT_POLL = '0 */3 * * * *';

export interface PollOptions {
  timezone?: string;
  /** Errors thrown (or rejected) by onTick; default: printed to stderr. */
  onError?: (err: unknown) => void;
}

export interface PollHandle {
  stop(): Promise<void>;
}

/** Throws a GitSourceError naming the bad fields when `expression` is not a valid cron expression. */
export function validatePoll(expression: string): void {
  const result = cron.validateDetailed(expression);
  if (result.valid) return;
  const why = result.errors.map((e) => `${e.field}${e.value !== undefined ? ` "${e.value}"` : ''}: ${e.message}`).join('; ');
  throw new GitSourceError(
    `invalid poll schedule "${expression}": ${why || 'not a cron expression'} (use 5 or 6 fields, seconds first, e.g. "${DEFAULT_POLL}")`,
  );
}

export function schedulePoll(expression: string, onTick: () => void | Promise<void>, opts: PollOptions = {}): PollHandle {
  validatePoll(expression);
  const report = opts.onError ?? ((err: unknown) => console.error(`poll "${expression}" failed:`, err));
  const quiet = () => undefined;
  const task = cron.schedule(
    expression,
    async () => {
      try {
        await onTick();
      } catch (err) {
        report(err);
      }
    },
    {
      noOverlap: true,
      unref: true,
      timezone: opts.timezone,
      logger: { info: quiet, warn: quiet, debug: quiet, error: (m, e) => report(e ?? m) },
    },
  );
  task.unref();
  return {
    async stop() {
      await task.destroy();
    },
  };
}
