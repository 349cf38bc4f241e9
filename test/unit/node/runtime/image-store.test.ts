import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyWhiteouts, createImageStore, normalizeRef, whiteoutActions } from '../../../../src/node/images/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gp-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('image refs', () => {
  it('normalizes Docker Hub names', () => {
    expect(normalizeRef('busybox')).toBe('busybox:latest');
    expect(normalizeRef('docker.io/library/busybox:1.36')).toBe('busybox:1.36');
    expect(normalizeRef('library/node')).toBe('node:latest');
    expect(normalizeRef('localhost:5000/team/app')).toBe('localhost:5000/team/app:latest');
    expect(normalizeRef('gitplane/busybox:latest')).toBe('gitplane/busybox:latest');
    expect(normalizeRef('x@sha256:abc')).toBe('x@sha256:abc');
  });
});

describe('whiteouts', () => {
  it('turns member names into actions', () => {
    expect(whiteoutActions(['./etc/.wh.group', 'opt/.wh..wh..opq', '.wh.top', 'usr/bin/ls', 'a/../.wh.escape', 'etc/.wh.'])).toEqual([
      { kind: 'remove', path: 'etc/group' },
      { kind: 'opaque', dir: 'opt' },
      { kind: 'remove', path: 'top' },
    ]);
  });

  it('applies them inside the rootfs only, never through symlinks', () => {
    const root = join(dir, 'wh-root');
    const outside = join(dir, 'wh-outside');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'opt', 'sub'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(root, 'etc', 'group'), 'g');
    writeFileSync(join(root, 'etc', 'passwd'), 'p');
    writeFileSync(join(root, 'opt', 'sub', 'x'), 'x');
    writeFileSync(join(outside, 'precious'), 'keep');
    execFileSync('ln', ['-s', outside, join(root, 'evil')]);
    applyWhiteouts(root, whiteoutActions(['etc/.wh.group', 'opt/.wh..wh..opq', 'evil/.wh.precious']));
    expect(readdirSync(join(root, 'etc'))).toEqual(['passwd']);
    expect(readdirSync(join(root, 'opt'))).toEqual([]);
    expect(existsSync(join(outside, 'precious'))).toBe(true);
  });
});

function sha(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('importing archives (copy mode)', () => {
  it('imports an OCI image layout with gzip layers, applying whiteouts in order', async () => {
    const layout = join(dir, 'oci');
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const blob = (data: Buffer | string) => {
      const d = sha(data);
      writeFileSync(join(blobs, d), data);
      return { digest: `sha256:${d}`, size: Buffer.byteLength(data) };
    };
    const layer = (name: string, files: Record<string, string>) => {
      const src = join(dir, name);
      for (const [p, c] of Object.entries(files)) {
        mkdirSync(join(src, p, '..'), { recursive: true });
        writeFileSync(join(src, p), c);
      }
      const tgz = join(dir, `${name}.tgz`);
      execFileSync('tar', ['-czf', tgz, '-C', src, '.']);
      return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(readFileSync(tgz)) };
    };
    const l1 = layer('l1', { 'etc/a': 'a1', 'etc/b': 'b1', 'opt/x/y': 'y', 'bin/tool': 't' });
    const l2 = layer('l2', { 'etc/.wh.b': '', 'etc/a': 'a2', 'opt/.wh..wh..opq': '', 'opt/new': 'n' });
    const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/bin/tool'], Cmd: ['--serve'], Env: ['A=1'], WorkingDir: '/opt' } }));
    const manifest = blob(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [l1, l2] }));
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': 'docker.io/library/tool:2', 'org.opencontainers.image.ref.name': '2' } }] }),
    );
    const tar = join(dir, 'oci.tar');
    execFileSync('tar', ['-cf', tar, '-C', layout, '.']);

    const store = createImageStore({ dataDir: join(dir, 'node'), overlay: false });
    const [img] = await store.importArchive(tar);
    expect(img.ref).toBe('tool:2');
    expect(img.id).toBe(config.digest.slice('sha256:'.length));
    expect(img.config).toMatchObject({ Entrypoint: ['/bin/tool'], Cmd: ['--serve'], WorkingDir: '/opt' });
    expect(img.hostUsr).toBe(false);
    expect(readFileSync(join(img.rootfs, 'etc', 'a'), 'utf8')).toBe('a2');
    expect(existsSync(join(img.rootfs, 'etc', 'b'))).toBe(false);
    expect(readdirSync(join(img.rootfs, 'opt'))).toEqual(['new']);
    expect(existsSync(join(img.rootfs, 'etc', '.wh.b'))).toBe(false);
    expect((await store.resolve('docker.io/library/tool:2')).id).toBe(img.id);
    expect((await store.resolve(img.id.slice(0, 12))).id).toBe(img.id);

    // Importing the directory layout again is a no-op for the store.
    const again = await store.importArchive(layout);
    expect(again[0].id).toBe(img.id);

    const prepared = await store.prepareRootfs('ctr-1', img);
    expect(prepared.mode).toBe('copy');
    writeFileSync(join(prepared.path, 'etc', 'a'), 'changed');
    expect(readFileSync(join(img.rootfs, 'etc', 'a'), 'utf8')).toBe('a2');
    await store.releaseRootfs('ctr-1');
    expect(existsSync(store.containerDir('ctr-1'))).toBe(false);
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([]);
  });

  it('rejects archives that are not images', async () => {
    const store = createImageStore({ dataDir: join(dir, 'node2'), overlay: false });
    const junk = join(dir, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'hello'), 'x');
    await expect(store.importArchive(junk)).rejects.toThrow(/not an image archive/);
  });
});
