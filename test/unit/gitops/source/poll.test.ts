// schedulePoll: node-cron v4 with seconds, validated, non-overlapping,
// unref'd (a pending schedule does not keep node alive), stoppable.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL, GitSourceError, schedulePoll, validatePoll } from '../../../../src/gitops/source/index.js';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('gitops/source: polling schedule', () => {
  it('accepts 5- and 6-field expressions and the default (every 3 minutes)', () => {
    expect(DEFAULT_POLL).toBe('0 */3 * * * *');
    for (const e of [DEFAULT_POLL, '*/30 * * * * *', '*/5 * * * *', '@hourly']) expect(() => validatePoll(e), e).not.toThrow();
  });

  it('rejects invalid expressions with an error naming the expression', () => {
    for (const e of ['', 'every minute', '* * * * * * *', '60 * * * * *', '* 99 * * *']) {
      const err = (() => {
        try {
          schedulePoll(e, () => undefined);
        } catch (x) {
          return x;
        }
      })();
      expect(err, e).toBeInstanceOf(GitSourceError);
      expect((err as Error).message).toContain(`invalid poll schedule "${e}"`);
    }
  });

  it('ticks on schedule, never overlapping itself, reports errors, and stops', async () => {
    let running = 0;
    let maxRunning = 0;
    let ticks = 0;
    const errors: unknown[] = [];
    const handle = schedulePoll(
      '* * * * * *',
      async () => {
        ticks++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 1300)); // a tick slower than the schedule
        running--;
        if (ticks === 1) throw new Error('tick failed');
      },
      { onError: (e) => errors.push(e) },
    );
    try {
      await until(() => ticks >= 2, 6000);
      expect(maxRunning).toBe(1);
      await until(() => errors.length === 1, 3000);
      expect((errors[0] as Error).message).toBe('tick failed');
    } finally {
      await handle.stop();
    }
    const after = ticks;
    await new Promise((r) => setTimeout(r, 1200)); // a negative: a stopped schedule must not tick again
    expect(ticks).toBe(after);
  });

  it('does not keep the process alive', async () => {
    const script = `import { schedulePoll } from ${JSON.stringify(path.join(ROOT, 'src/gitops/source/poll.ts'))};
      schedulePoll('* * * * * *', () => undefined); console.log('scheduled');`;
    const t0 = Date.now();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, timeout: 20_000 });
    expect(stdout.trim()).toBe('scheduled');
    console.log(`process with a pending every-second poll exited after ${Date.now() - t0} ms`);
  });
});
