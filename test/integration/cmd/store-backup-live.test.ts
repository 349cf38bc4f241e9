// A backup taken while another process writes to the store and keeps
// snapshotting it (tiny threshold: WAL segments come and go during the copy)
// is a consistent prefix of the writes: it holds every write acknowledged
// before it started, and exactly the writes up to its revision, no gaps.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { backupEmbeddedStore, openEmbeddedStore, restoreEmbeddedStore, RANGE_TO_END } from '../../../src/storage/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-backup-live-'));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('backs up a store another process is writing and snapshotting, consistently', async () => {
  const live = path.join(tmp, 'live');
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/integration/cmd/backup-writer.ts'), live], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let acked = 0;
  let stderr = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const l of lines) if (l.startsWith('ack ')) acked = Number(l.slice(4));
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (acked < 500) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`writer did not get going: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }

  let snapshotsSeen = 0;
  for (let round = 0; round < 10; round++) {
    const ackedBefore = acked;
    const out = path.join(tmp, `b${round}.snap`);
    const summary = await backupEmbeddedStore({ dir: live, out });
    snapshotsSeen += fs.readdirSync(path.join(live, 'snap')).length > 0 ? 1 : 0;
    const restoredDir = path.join(tmp, `r${round}`);
    await restoreEmbeddedStore({ from: out, dir: restoredDir });
    const copy = await openEmbeddedStore({ dir: restoredDir });
    try {
      const all = await copy.range({ key: '/k/', rangeEnd: RANGE_TO_END });
      // The writes are sequential, one revision each from revision 1.
      expect(all.header.revision).toBe(summary.revision);
      expect(all.kvs.length).toBe(summary.revision);
      expect(all.kvs.length).toBeGreaterThanOrEqual(ackedBefore);
      all.kvs.forEach((kv, i) => {
        if (kv.key !== `/k/${String(i).padStart(6, '0')}` || kv.modRevision !== i + 1 || !kv.value.startsWith(`v${i}-`)) {
          throw new Error(`backup ${round}: key ${i} is ${kv.key}@${kv.modRevision}`);
        }
      });
    } finally {
      await copy.close();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(snapshotsSeen).toBeGreaterThan(0);
  expect(acked).toBeGreaterThan(500);

  // The source was only read: the writer closes it cleanly and it reopens whole.
  process.kill(child.pid!, 'SIGTERM');
  expect(await exited).toBe(0);
  const reopened = await openEmbeddedStore({ dir: live });
  expect((await reopened.status()).header.revision).toBeGreaterThanOrEqual(acked);
  await reopened.close();
});
