// A one-reader byte channel between a producer that writes chunks (the
// in-process handler's response) and a consumer that iterates them, with
// backpressure: a write resolves once the reader has drained the buffer
// below the high-water mark.

export class BodyChannel implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private cancelled = false;
  private failure: { error: unknown } | undefined;
  private wakeReader: (() => void) | undefined;
  private drainWaiters: Array<() => void> = [];
  private iterated = false;

  constructor(
    private readonly highWaterMark = 64 * 1024,
    private readonly onCancel: () => void = () => undefined,
  ) {}

  /** Queue a chunk; resolves when the reader wants more (at once when cancelled or ended). */
  push(chunk: Buffer): Promise<void> {
    if (this.cancelled || this.ended || this.failure) return Promise.resolve();
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.wake();
    }
    if (this.buffered <= this.highWaterMark) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** No more chunks: the reader finishes after the buffered ones. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
    this.releaseWriters();
  }

  /** The body broke: the reader throws after the buffered chunks. */
  fail(error: unknown): void {
    if (this.ended || this.failure) return;
    this.failure = { error };
    this.wake();
    this.releaseWriters();
  }

  /** The reader went away: drop everything, end the iteration quietly. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.chunks.length = 0;
    this.buffered = 0;
    this.wake();
    this.releaseWriters();
    this.onCancel();
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    if (this.iterated) throw new Error('a response body can be read only once');
    this.iterated = true;
    let finished = false;
    try {
      for (;;) {
        if (this.cancelled) {
          finished = true;
          return;
        }
        const chunk = this.chunks.shift();
        if (chunk !== undefined) {
          this.buffered -= chunk.length;
          if (this.buffered <= this.highWaterMark) this.releaseWriters();
          yield chunk;
          continue;
        }
        if (this.failure) {
          finished = true;
          throw this.failure.error;
        }
        if (this.ended) {
          finished = true;
          return;
        }
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
      }
    } finally {
      // The reader stopped early (break, return, or a throw in its loop body).
      if (!finished) this.cancel();
    }
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  private releaseWriters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
