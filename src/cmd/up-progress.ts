// Start-up progress for `gitplane up`: one line per component, with a spinner
// while it starts on a terminal (plain lines otherwise), how long it took, and
// what it is — so a new user sees what is running and where.

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class UpProgress {
  readonly tty = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

  start(label: string): { done(detail: string): void; fail(err: unknown): void } {
    const started = Date.now();
    let frame = 0;
    const timer = this.tty
      ? setInterval(() => process.stdout.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}…`), 80)
      : undefined;
    if (!this.tty) console.log(`… ${label}`);
    const finish = (mark: string, text: string) => {
      if (timer) clearInterval(timer);
      const ms = Date.now() - started;
      const line = `${mark} ${label} (${ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`}): ${text}`;
      if (this.tty) process.stdout.write(`\r\x1b[2K${line}\n`);
      else console.log(line);
    };
    return {
      done: (detail) => finish(this.tty ? '\x1b[32m✓\x1b[0m' : '✓', detail),
      fail: (err) => finish(this.tty ? '\x1b[31m✗\x1b[0m' : '✗', err instanceof Error ? err.message : String(err)),
    };
  }
}

/** Run one start-up step under a progress line; rethrows its error after reporting it. */
export async function step<T>(progress: UpProgress, label: string, fn: () => Promise<{ value: T; detail: string }>): Promise<T> {
  const line = progress.start(label);
  try {
    const { value, detail } = await fn();
    line.done(detail);
    return value;
  } catch (err) {
    line.fail(err);
    throw err;
  }
}
