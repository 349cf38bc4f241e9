// One shared LeaseKeepAlive stream: each keepAlive(id) writes one request and
// takes the next response. etcd's server answers the requests of one stream
// in order, one response each (TTL 0 for a lease it does not know), so a FIFO
// of waiters matches them up. A stream error fails every waiter and the next
// call opens a new stream.

import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import { ErrLeaseNotFound, ErrUnavailable, type StorageError } from '../errors.js';
import type { LeaseKeepAliveResponse } from '../types.js';
import { header, num } from './convert.js';
import { closeStream } from './watch.js';

interface Waiter {
  id: string;
  resolve(res: LeaseKeepAliveResponse): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

type KeepAliveStream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

export class KeepAliveChannel {
  private stream?: Promise<KeepAliveStream>;
  private waiters: Waiter[] = [];
  private gen = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly timeoutMs: number,
    private readonly mapError: (err: unknown) => StorageError,
  ) {}

  keepAlive(id: string): Promise<LeaseKeepAliveResponse> {
    return new Promise<LeaseKeepAliveResponse>((resolve, reject) => {
      const gen = this.gen;
      const waiter: Waiter = {
        id,
        resolve,
        reject,
        timer: setTimeout(() => {
          // The stream is out of step now: drop it and everyone waiting on it.
          this.fail(gen, new ErrUnavailable(`etcd: lease keepalive for ${id} timed out after ${this.timeoutMs} ms`));
        }, this.timeoutMs),
      };
      this.waiters.push(waiter);
      this.open()
        .then((stream) => {
          if (gen === this.gen) stream.write({ ID: id });
        })
        .catch((err) => this.fail(gen, this.mapError(err)));
    });
  }

  private open(): Promise<KeepAliveStream> {
    if (this.stream) return this.stream;
    const gen = this.gen;
    const p = this.client.leaseClient.leaseKeepAlive().then((stream) => {
      stream.on('data', (res) => this.onData(gen, res));
      stream.on('error', (err) => this.fail(gen, this.mapError(err)));
      stream.on('end', () => this.fail(gen, new ErrUnavailable('etcd: lease keepalive stream ended')));
      return stream;
    });
    this.stream = p;
    return p;
  }

  private onData(gen: number, res: ILeaseKeepAliveResponse): void {
    if (gen !== this.gen) return;
    const waiter = this.waiters.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    const ttl = num(res.TTL);
    if (ttl <= 0) {
      waiter.reject(new ErrLeaseNotFound(waiter.id));
      return;
    }
    waiter.resolve({ header: header(res.header), id: String(res.ID ?? waiter.id), ttl });
  }

  private fail(gen: number, err: Error): void {
    if (gen !== this.gen) return;
    this.gen++;
    const stream = this.stream;
    this.stream = undefined;
    stream?.then((s) => closeStream(s)).catch(() => undefined);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  close(err: Error): void {
    this.fail(this.gen, err);
  }
}
