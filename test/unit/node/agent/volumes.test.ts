// Volumes on disk: configMap / secret / downwardAPI / projected files with
// their modes (written by the AtomicWriter and rewritten when the source
// changes), emptyDir, hostPath, subPath and readOnly mounts, FailedMount.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../../../src/node/agent/atomic-writer.js';
import { eventually } from '../../../support/controllers.js';
import { cs, startHarness, type Harness } from './harness.js';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('atomic writer', () => {
  it('swaps ..data in one rename and leaves visible names as symlinks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    try {
      expect(writeAtomically(dir, new Map([['a', { data: Buffer.from('1'), mode: 0o644 }], ['sub/b', { data: Buffer.from('2'), mode: 0o600 }]]))).toBe(true);
      const first = fs.readlinkSync(path.join(dir, '..data'));
      expect(fs.readlinkSync(path.join(dir, 'a'))).toBe('..data/a');
      expect(fs.readFileSync(path.join(dir, 'sub/b'), 'utf8')).toBe('2');
      expect(mode(path.join(dir, 'sub/b'))).toBe(0o600);
      expect(writeAtomically(dir, new Map([['a', { data: Buffer.from('1'), mode: 0o644 }], ['sub/b', { data: Buffer.from('2'), mode: 0o600 }]]))).toBe(false);
      expect(writeAtomically(dir, new Map([['a', { data: Buffer.from('3'), mode: 0o644 }]]))).toBe(true);
      const second = fs.readlinkSync(path.join(dir, '..data'));
      expect(second).not.toBe(first);
      expect(fs.existsSync(path.join(dir, first))).toBe(false);
      expect(fs.existsSync(path.join(dir, 'sub'))).toBe(false);
      expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('3');
      expect(() => writeAtomically(dir, new Map([['../x', { data: Buffer.from(''), mode: 0o644 }]]))).toThrow(/must not contain/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node agent: volumes', () => {
  let h: Harness;
  let hostDir: string;
  beforeAll(async () => {
    h = await startHarness();
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostpath-'));
    await h.t.client.configMaps.namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'default' }, data: { 'app.conf': 'port=80\n', 'extra.conf': 'x' } });
    await h.t.client.secrets.namespace('default').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, data: { key: Buffer.from('KEY').toString('base64') } });
  });
  afterAll(async () => {
    if (h?.errors.length) console.warn(h.errors);
    await h?.close();
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  it('prepares every volume kind and hands the runtime its mounts', async () => {
    await h.runPod(
      'vols',
      {
        volumes: [
          { name: 'config', configMap: { name: 'web-config', defaultMode: 0o440, items: [{ key: 'app.conf', path: 'conf/app.conf' }, { key: 'extra.conf', path: 'extra', mode: 0o600 }] } },
          { name: 'all-config', configMap: { name: 'web-config' } },
          { name: 'maybe', configMap: { name: 'absent', optional: true } },
          { name: 'secret', secret: { secretName: 'tls', defaultMode: 0o400 } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } }] } },
          { name: 'mixed', projected: { sources: [{ configMap: { name: 'web-config', items: [{ key: 'app.conf', path: 'app.conf' }] } }, { secret: { name: 'tls' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
          { name: 'scratch', emptyDir: {} },
          { name: 'host', hostPath: { path: path.join(hostDir, 'made'), type: 'DirectoryOrCreate' } },
        ],
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['sleep', '1d'],
            resources: { limits: { memory: '64Mi' } },
            volumeMounts: [
              { name: 'config', mountPath: '/etc/app' },
              { name: 'all-config', mountPath: '/etc/app.conf', subPath: 'app.conf' },
              { name: 'secret', mountPath: '/etc/tls' },
              { name: 'info', mountPath: '/etc/podinfo' },
              { name: 'mixed', mountPath: '/etc/mixed' },
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'scratch', mountPath: '/cache', subPath: 'cache/dir' },
              { name: 'host', mountPath: '/host', readOnly: true },
              { name: 'maybe', mountPath: '/maybe' },
            ],
          },
        ],
      },
      { labels: { app: 'web', tier: 'front' } },
    );
    const c = await eventually(() => h.runtime.running('vols', 'app'), 'started');
    const m = Object.fromEntries(c.config.mounts.map((x) => [x.containerPath, x]));
    const config = m['/etc/app'].hostPath;
    expect(m['/etc/app'].readOnly).toBe(true);
    expect(fs.readFileSync(path.join(config, 'conf/app.conf'), 'utf8')).toBe('port=80\n');
    expect(mode(path.join(config, 'conf/app.conf'))).toBe(0o440);
    expect(mode(path.join(config, 'extra'))).toBe(0o600);
    expect(fs.lstatSync(path.join(config, 'conf')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(m['/etc/app.conf'].hostPath, 'utf8')).toBe('port=80\n');
    expect(fs.statSync(m['/etc/app.conf'].hostPath).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(m['/etc/tls'].hostPath, 'key'), 'utf8')).toBe('KEY');
    expect(mode(path.join(m['/etc/tls'].hostPath, 'key'))).toBe(0o400);
    expect(fs.readFileSync(path.join(m['/etc/podinfo'].hostPath, 'labels'), 'utf8')).toBe('app="web"\ntier="front"');
    expect(fs.readFileSync(path.join(m['/etc/podinfo'].hostPath, 'name'), 'utf8')).toBe('vols');
    expect(fs.readFileSync(path.join(m['/etc/podinfo'].hostPath, 'mem'), 'utf8')).toBe('64');
    expect(fs.readdirSync(m['/etc/mixed'].hostPath).filter((f) => !f.startsWith('..')).sort()).toEqual(['app.conf', 'key', 'ns']);
    expect(fs.statSync(m['/scratch'].hostPath).isDirectory()).toBe(true);
    expect(m['/scratch'].readOnly).toBe(false);
    expect(m['/cache'].hostPath).toBe(path.join(fs.realpathSync(m['/scratch'].hostPath), 'cache/dir'));
    expect(fs.statSync(m['/cache'].hostPath).isDirectory()).toBe(true);
    expect(m['/host']).toEqual({ hostPath: path.join(hostDir, 'made'), containerPath: '/host', readOnly: true });
    expect(fs.statSync(path.join(hostDir, 'made')).isDirectory()).toBe(true);
    expect(fs.readdirSync(m['/maybe'].hostPath).filter((f) => !f.startsWith('..'))).toEqual([]);
    expect(m['/etc/app'].hostPath.startsWith(h.stateDir)).toBe(true);
  });

  it('rewrites configMap and secret files atomically when they change', async () => {
    const c = h.runtime.running('vols', 'app')!;
    const dir = c.config.mounts.find((x) => x.containerPath === '/etc/app')!.hostPath;
    const before = fs.readlinkSync(path.join(dir, '..data'));
    await h.t.client.configMaps.namespace('default').patch('web-config', { data: { 'app.conf': 'port=8080\n' } });
    await eventually(() => fs.readFileSync(path.join(dir, 'conf/app.conf'), 'utf8') === 'port=8080\n', 'file rewritten');
    const after = fs.readlinkSync(path.join(dir, '..data'));
    expect(after).not.toBe(before);
    expect(after).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    expect(fs.existsSync(path.join(dir, before))).toBe(false);
    // The subPath mount keeps the file it was given (no updates through subPath, as in kube).
    expect(fs.readFileSync(c.config.mounts.find((x) => x.containerPath === '/etc/app.conf')!.hostPath, 'utf8')).toBe('port=80\n');
    const tls = c.config.mounts.find((x) => x.containerPath === '/etc/tls')!.hostPath;
    await h.t.client.secrets.namespace('default').patch('tls', { data: { key: Buffer.from('NEWKEY').toString('base64'), crt: Buffer.from('CRT').toString('base64') } });
    await eventually(() => fs.existsSync(path.join(tls, 'crt')) && fs.readFileSync(path.join(tls, 'key'), 'utf8') === 'NEWKEY', 'secret rewritten');
    // Labels feed the downwardAPI volume too.
    const info = c.config.mounts.find((x) => x.containerPath === '/etc/podinfo')!.hostPath;
    await h.t.client.pods.namespace('default').patch('vols', { metadata: { labels: { app: 'web', tier: 'back' } } });
    await eventually(() => fs.readFileSync(path.join(info, 'labels'), 'utf8') === 'app="web"\ntier="back"', 'labels rewritten');
    expect(h.runtime.starts('vols', 'app')).toBe(1);
  });

  it('waits in ContainerCreating with FailedMount until a missing configMap appears', async () => {
    await h.runPod('missing', { volumes: [{ name: 'cfg', configMap: { name: 'later' } }], containers: [{ name: 'app', image: 'busybox', command: ['x'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }] });
    const pod = await h.until('missing', 'ContainerCreating', (p) => cs(p, 'app')?.state?.waiting?.reason === 'ContainerCreating');
    expect(pod.status?.phase).toBe('Pending');
    await h.event('missing', 'FailedMount', /configmap "later" not found/);
    await h.t.client.configMaps.namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'default' }, data: { a: 'b' } });
    const c = await eventually(() => h.runtime.running('missing', 'app'), 'started once the configMap exists');
    expect(fs.readFileSync(path.join(c.config.mounts[0].hostPath, 'a'), 'utf8')).toBe('b');
  });

  it('removes the volumes when the pod is deleted', async () => {
    const c = h.runtime.running('vols', 'app')!;
    const dir = c.config.mounts.find((x) => x.containerPath === '/scratch')!.hostPath;
    await h.t.client.pods.namespace('default').delete('vols', { gracePeriodSeconds: 1 });
    await eventually(() => !fs.existsSync(dir), 'volume dir removed');
    expect(fs.existsSync(path.join(hostDir, 'made'))).toBe(true);
  });
});
