// The in-process transport's own edges: how it adapts the handler contract.

import { describe, expect, it } from 'vitest';
import type { ApiHandler, ApiRequest } from '../../../src/api/handler.js';
import { inProcessTransport } from '../../../src/client/transport/in-process.js';
import { settle, waitFor } from './support/wait.js';

describe('inProcessTransport', () => {
  it('builds the ApiRequest: method, url with query, lower-case headers, body, remote address', async () => {
    let seen: ApiRequest | undefined;
    const t = inProcessTransport(async (req, res) => {
      seen = req;
      res.end('ok');
    }, { headers: { Authorization: 'Bearer x' } });
    const res = await t.request({ method: 'post', path: '/api/v1/pods', query: { a: '1', skip: undefined, many: ['x', 'y'] }, headers: { 'Content-Type': 'application/json' }, body: '{"k":1}' });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(seen!.method).toBe('POST');
    expect(seen!.url).toBe('/api/v1/pods?a=1&many=x&many=y');
    expect(seen!.headers).toEqual({ authorization: 'Bearer x', 'content-type': 'application/json' });
    expect(seen!.body!.toString()).toBe('{"k":1}');
    expect(seen!.remoteAddress).toBe('in-process');
  });

  it('answers 500 with a Status when the handler throws or returns without responding', async () => {
    const throwing = inProcessTransport(async () => {
      throw new Error('nope');
    });
    const r1 = await throwing.request({ method: 'GET', path: '/' });
    expect(r1.status).toBe(500);
    expect(JSON.parse(r1.body.toString())).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    const silent = inProcessTransport(async () => undefined);
    const r2 = await silent.request({ method: 'GET', path: '/' });
    expect(r2.status).toBe(500);
  });

  it('breaks the stream when the handler fails after sending headers', async () => {
    const t = inProcessTransport(async (_req, res) => {
      res.writeHead(200, {});
      await res.write('line\n');
      throw new Error('connection lost');
    });
    const stream = await t.stream({ method: 'GET', path: '/' });
    const chunks: string[] = [];
    await expect(
      (async () => {
        for await (const c of stream.chunks) chunks.push(c.toString());
      })(),
    ).rejects.toThrow('connection lost');
    expect(chunks).toEqual(['line\n']);
  });

  it('applies backpressure: write() waits until the reader drains', async () => {
    let written = 0;
    const t = inProcessTransport(
      async (_req, res) => {
        res.writeHead(200, {});
        for (let i = 0; i < 10; i++) {
          await res.write(Buffer.alloc(10));
          written++;
        }
        res.end();
      },
      { highWaterMark: 25 },
    );
    const stream = await t.stream({ method: 'GET', path: '/' });
    await settle();
    expect(written).toBeLessThan(10);
    let read = 0;
    for await (const c of stream.chunks) read += c.length;
    expect(read).toBe(100);
    expect(written).toBe(10);
  });

  it('aborts the handler signal on cancel() and on the caller signal', async () => {
    const signals: AbortSignal[] = [];
    const handler: ApiHandler = async (req, res) => {
      signals.push(req.signal);
      res.writeHead(200, {});
      await new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve()));
      res.end();
    };
    const t = inProcessTransport(handler);
    const s1 = await t.stream({ method: 'GET', path: '/' });
    s1.cancel();
    expect(signals[0].aborted).toBe(true);

    const controller = new AbortController();
    const s2 = await t.stream({ method: 'GET', path: '/', signal: controller.signal });
    const reading = (async () => {
      for await (const _ of s2.chunks) void _;
    })();
    controller.abort();
    await reading;
    await waitFor(() => signals[1].aborted, 'the handler signal');

    // A request still waiting for headers rejects with an AbortError.
    const never = inProcessTransport(async (req) => new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve())));
    const c3 = new AbortController();
    const pending = never.request({ method: 'GET', path: '/', signal: c3.signal });
    c3.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
