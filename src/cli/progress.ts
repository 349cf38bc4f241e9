// A progress line while the CLI waits, with the time waited so far: a spinner
// redrawn in place on a TTY, plain lines otherwise (when the text changes, and
// every `intervalMs` while it does not), so CI logs show that work goes on.

import { formatDuration } from './time.js';

export interface ProgressOptions {
  stream?: { isTTY?: boolean; write(chunk: string): unknown };
  /** Redraw as a spinner (default: the stream is a TTY). */
  tty?: boolean;
  /** Non-TTY: repeat an unchanged line this often (default 10 s). */
  intervalMs?: number;
  now?: () => number;
}

export interface Progress {
  update(text: string): void;
  /** Clear the spinner; print `final` (if any) as a normal line. */
  stop(final?: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startProgress(text: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? stream.isTTY === true;
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 10_000;
  let current = text;
  let frame = 0;
  let lastPrinted = '';
  let lastAt = 0;
  const began = now();
  const withTime = () => `${current} (${formatDuration(now() - began)})`;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const draw = () => {
    if (tty) {
      stream.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${withTime()}`);
      return;
    }
    if (current !== lastPrinted || now() - lastAt >= interval) {
      stream.write(`${withTime()}\n`);
      lastPrinted = current;
      lastAt = now();
    }
  };
  draw();
  timer = setInterval(draw, tty ? 100 : 1000);
  timer.unref?.();
  return {
    update(next) {
      if (stopped) return;
      current = next;
      if (!tty) draw();
    },
    stop(final) {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (tty) stream.write('\r\u001b[2K');
      if (final !== undefined) stream.write(`${final}\n`);
    },
  };
}
