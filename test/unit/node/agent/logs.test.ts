// Container logs through the API server's pods/log proxy to the agent's log
// server: plain, timestamps, tailLines, limitBytes, sinceSeconds, previous,
// follow (streams until the container ends), rotation, and Status errors.

import http from 'node:http';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStatusError } from '../../../../src/api/status.js';
import { eventually } from '../../../support/controllers.js';
import { cs, startHarness, type Harness } from './harness.js';

function getRaw(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('node agent: logs', () => {
  let h: Harness;
  const pods = () => h.t.client.pods.namespace('default');
  beforeAll(async () => {
    h = await startHarness({ fakeClock: true, agent: { logMaxBytes: 4096 } });
  });
  afterAll(async () => {
    if (h?.errors.length) console.warn(h.errors);
    await h?.close();
  });

  it('serves what a container wrote, with timestamps, tailLines, limitBytes and sinceSeconds', async () => {
    await h.runPod('talker', { restartPolicy: 'Never' });
    const c = await eventually(() => h.runtime.running('talker', 'app'), 'running');
    h.runtime.write(c.id, 'one\ntwo\n');
    await eventually(async () => (await pods().logs('talker')) === 'one\ntwo\n', 'logs through the API server');
    const stamped = await pods().logs('talker', { timestamps: true });
    const lines = stamped.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one$/);
    expect(Math.abs(Date.parse(lines[0].split(' ')[0]) - h.clock.now())).toBeLessThan(1000);
    expect(await pods().logs('talker', { tailLines: 1 })).toBe('two\n');
    expect(await pods().logs('talker', { tailLines: 0 })).toBe('');
    expect(await pods().logs('talker', { limitBytes: 5 })).toBe('one\nt');
    await h.advance(60_000, 60_000);
    h.runtime.write(c.id, 'three\npartial');
    await eventually(async () => (await pods().logs('talker')).endsWith('three\n'), 'third line');
    expect(await pods().logs('talker', { sinceSeconds: 30 })).toBe('three\n');
    expect(await pods().logs('talker', { sinceTime: new Date(h.clock.now() - 120_000).toISOString() })).toBe('one\ntwo\nthree\n');
    // A last line without a newline shows once the container ends.
    h.runtime.exit(c.id, 0);
    await eventually(async () => (await pods().logs('talker')) === 'one\ntwo\nthree\npartial\n', 'unterminated last line');
  });

  it('passes through lines a runtime already wrote in CRI form (stream and time kept)', async () => {
    await h.runPod('cri', {});
    const c = await eventually(() => h.runtime.running('cri', 'app'), 'running');
    h.runtime.write(c.id, '2026-01-02T03:04:05.123456789Z stderr P part one \n2026-01-02T03:04:05.223456789Z stderr F and two\nplain\n');
    await eventually(async () => (await pods().logs('cri')) === 'part one and two\nplain\n', 'joined partial line');
    const stamped = (await pods().logs('cri', { timestamps: true })).split('\n');
    expect(stamped[0]).toBe('2026-01-02T03:04:05.123456789Z part one and two');
    const uid = (await h.get('cri')).metadata.uid;
    const stored = fs.readFileSync(`${h.stateDir}/pods/${uid}/logs/app/0.log`, 'utf8').split('\n');
    expect(stored[0]).toBe('2026-01-02T03:04:05.123456789Z stderr P part one ');
    expect(stored[2]).toMatch(/Z stdout F plain$/);
  });

  it('keeps the previous attempt for previous=true', async () => {
    await h.runPod('again', { restartPolicy: 'OnFailure' });
    const first = await eventually(() => h.runtime.running('again', 'app'), 'running');
    h.runtime.write(first.id, 'first run\n');
    await eventually(async () => (await pods().logs('again')) === 'first run\n', 'first logs');
    await expect(pods().logs('again', { previous: true })).rejects.toThrow(/previous terminated container "app" in pod "again" not found/);
    h.runtime.exit(first.id, 1);
    const second = await eventually(() => h.runtime.all('again', 'app').find((x) => x.id !== first.id && x.state.state === 'running'), 'restarted');
    h.runtime.write(second.id, 'second run\n');
    await eventually(async () => (await pods().logs('again')) === 'second run\n', 'current logs');
    expect(await pods().logs('again', { previous: true })).toBe('first run\n');
  });

  it('follows a running container until it exits', async () => {
    await h.runPod('follow', { restartPolicy: 'Never' });
    const c = await eventually(() => h.runtime.running('follow', 'app'), 'running');
    h.runtime.write(c.id, 'before\n');
    await eventually(async () => (await pods().logs('follow')) === 'before\n', 'first line stored');
    const stream = await pods().logs('follow', { follow: true });
    const got: string[] = [];
    const done = (async () => {
      for await (const line of stream) got.push(line);
    })();
    await eventually(() => got.length === 1, 'existing line');
    h.runtime.write(c.id, 'during 1\nduring 2\n');
    await eventually(() => got.length === 3, 'streamed lines');
    h.runtime.write(c.id, 'last words\n');
    h.runtime.exit(c.id, 0);
    await done;
    expect(got).toEqual(['before', 'during 1', 'during 2', 'last words']);
  });

  it('rotates at logMaxBytes, keeping one rotated file', async () => {
    await h.runPod('chatty', {});
    const c = await eventually(() => h.runtime.running('chatty', 'app'), 'running');
    const line = (i: number) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(80)}\n`;
    for (let i = 0; i < 200; i++) {
      h.runtime.write(c.id, line(i));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 150));
    }
    await eventually(async () => (await pods().logs('chatty', { tailLines: 1 })) === line(199), 'last line');
    const dir = `${h.stateDir}/pods/${(await h.get('chatty')).metadata.uid}/logs/app`;
    const files = fs.readdirSync(dir).sort();
    expect(files).toContain('0.log');
    expect(files).toContain('0.log.1');
    expect(files.filter((f) => f.startsWith('0.log'))).toHaveLength(2);
    expect(fs.statSync(`${dir}/0.log`).size).toBeLessThanOrEqual(4096);
    const all = await pods().logs('chatty');
    expect(all.endsWith(line(199))).toBe(true);
    expect(all.startsWith(line(0))).toBe(false);
    const got = all.split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]));
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 200 - got.length + i));
  });

  it('answers with Status errors for unknown pods and containers that have not started', async () => {
    const port = h.agent.logServerPort;
    const unknown = await getRaw(port, '/containerLogs/default/nope/app');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    await h.runPod('waiting', { containers: [{ name: 'app', image: 'busybox', command: ['x'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }] });
    await h.until('waiting', 'config error', (p) => cs(p, 'app')?.state?.waiting?.reason === 'CreateContainerConfigError');
    const noContainer = await getRaw(port, '/containerLogs/default/waiting/other');
    expect(noContainer.status).toBe(404);
    try {
      await pods().logs('waiting');
      expect.unreachable();
    } catch (err) {
      expect(isStatusError(err)).toBe(true);
      expect((err as Error).message).toBe('container "app" in pod "waiting" is waiting to start: CreateContainerConfigError');
    }
  });
});
