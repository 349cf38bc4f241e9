// Backup and restore: objects written through the API server come back, the
// same (uid, resourceVersion, data, decrypted Secrets), from a control plane
// started on a data dir made by `gitplane store restore` from a snapshot that
// `gitplane store snapshot --out` took while the server ran — and later writes
// do not; an offline snapshot has them. Restore refuses non-empty dirs and
// damaged files, and warns when Secrets cannot be decrypted.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Namespace, Secret } from '../../../src/api/generated/index.js';
import { isNotFound, type Client } from '../../../src/client/index.js';
import { clientFromFlags } from '../../../src/cmd/client-flags.js';
import { startControlPlane, type ControlPlane } from '../../../src/cmd/control-plane.js';
import { runGitplane } from '../../unit/cmd/run-gitplane.js';

let tmp: string;
const running: Array<{ cp: ControlPlane; client: Client }> = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-restore-'));
});

afterAll(async () => {
  for (const r of running.splice(0)) await stop(r);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ cp: ControlPlane; client: Client }> {
  const cp = await startControlPlane({ dataDir, port: 0, log: () => undefined });
  const client = clientFromFlags({ server: cp.url, token: cp.adminToken, dataDir }, 'test');
  const r = { cp, client };
  running.push(r);
  return r;
}

async function stop(r: { cp: ControlPlane; client: Client }): Promise<void> {
  const i = running.indexOf(r);
  if (i >= 0) running.splice(i, 1);
  r.client.close();
  await r.cp.close();
}

async function gone(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

describe('gitplane store snapshot --out / store restore', () => {
  const dir = (name: string): string => path.join(tmp, name);
  let settings: ConfigMap;
  let creds: Secret;

  it('round-trips a running cluster through a snapshot file', async () => {
    const source = await start(dir('source'));
    const ns = source.client.namespaces;
    await ns.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } } as Namespace);
    settings = await source.client.configMaps
      .namespace('team-a')
      .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels: { app: 'web' } }, data: { color: 'blue' } } as ConfigMap);
    creds = await source.client.secrets
      .namespace('team-a')
      .create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { password: Buffer.from('hunter2').toString('base64') } } as Secret);

    // A backup while the server runs, then a write it must not contain.
    const backup = await runGitplane(['store', 'snapshot', '--data-dir', dir('source'), '--out', dir('online.snap')]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^wrote .*online\.snap: revision \d+, \d+ keys/m);
    expect(backup.stdout).toContain('encryption-keys.json');
    await source.client.configMaps.namespace('team-a').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' }, data: {} } as ConfigMap);
    await stop(source);

    const restore = await runGitplane([
      'store', 'restore', '--from', dir('online.snap'), '--data-dir', dir('restored'),
      '--encryption-keys', path.join(dir('source'), 'encryption-keys.json'),
    ]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/restored revision \d+/);
    expect(restore.stdout).not.toMatch(/Warning/);

    const restored = await start(dir('restored'));
    const cm = await restored.client.configMaps.namespace('team-a').get('settings');
    expect(cm.data).toEqual({ color: 'blue' });
    expect(cm.metadata?.labels).toEqual({ app: 'web' });
    expect(cm.metadata?.uid).toBe(settings.metadata?.uid);
    expect(cm.metadata?.resourceVersion).toBe(settings.metadata?.resourceVersion);
    const secret = await restored.client.secrets.namespace('team-a').get('creds');
    expect(Buffer.from(secret.data!.password, 'base64').toString()).toBe('hunter2');
    expect(secret.metadata?.uid).toBe(creds.metadata?.uid);
    expect(await gone(restored.client.configMaps.namespace('team-a').get('later'))).toBe(true);
    // It is a working cluster: it takes writes, at revisions after the snapshot's.
    const next = await restored.client.configMaps.namespace('team-a').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restore' } } as ConfigMap);
    expect(Number(next.metadata?.resourceVersion)).toBeGreaterThan(Number(creds.metadata?.resourceVersion));
    await stop(restored);
  });

  it('an offline snapshot holds every write; a restore without the keys warns about Secrets', async () => {
    const backup = await runGitplane(['store', 'snapshot', '--data-dir', dir('source'), '--out', dir('offline.snap')]);
    expect(backup.code, backup.stderr).toBe(0);
    const restore = await runGitplane(['store', 'restore', '--from', dir('offline.snap'), '--data-dir', dir('no-keys')]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/Warning: 1 encrypted values .* --encryption-keys/);
    const r = await start(dir('no-keys'));
    expect((await r.client.configMaps.namespace('team-a').get('later')).metadata?.name).toBe('later');
    expect((await r.client.configMaps.namespace('team-a').get('settings')).metadata?.uid).toBe(settings.metadata?.uid);
    await stop(r);
  });

  it('refuses a non-empty data dir, a damaged snapshot and keys that do not fit', async () => {
    const busy = await runGitplane(['store', 'restore', '--from', dir('online.snap'), '--data-dir', dir('source')]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/not empty/);

    const damaged = fs.readFileSync(dir('online.snap'));
    damaged[damaged.length >> 1] ^= 0xff;
    fs.writeFileSync(dir('damaged.snap'), damaged);
    const bad = await runGitplane(['store', 'restore', '--from', dir('damaged.snap'), '--data-dir', dir('from-damaged')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/checksum/);
    expect(fs.existsSync(dir('from-damaged'))).toBe(false);

    // The keys of another data dir (no-keys made its own at start) cannot open these Secrets: nothing is left behind.
    const wrong = await runGitplane([
      'store', 'restore', '--from', dir('online.snap'), '--data-dir', dir('wrong-keys'),
      '--encryption-keys', path.join(dir('no-keys'), 'encryption-keys.json'),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot decrypt 1 of 1/);
    expect(fs.existsSync(dir('wrong-keys'))).toBe(false);

    const missing = await runGitplane(['store', 'restore', '--data-dir', dir('x')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--from/);
  });
});
