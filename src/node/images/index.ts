// The node's image store, under <dataDir>/images:
//
//   refs.json                  normalized ref -> image id (sha256 of its config)
//   store/<id>/rootfs/         the unpacked layers (read-only by convention)
//   store/<id>/config.json     the image's runtime config (Entrypoint, Cmd, Env, WorkingDir, User, Labels)
//   containers/<container id>/ a container's rootfs: an overlay (merged/ over the image, upper/ + work/) when
//                              root and overlayfs work, else a copy (rootfs/)
//
// Images come from archives only — importArchive() takes `docker save`
// tarballs (manifest.json + layer tars) and OCI image layouts (index.json +
// blobs/, as a tar or a directory) — and from the builtin busybox image
// (builtin.ts). There is no registry access on the node: resolve() of a ref
// that is not in the store falls back to the builtin image and says so in
// `note`. Refs are normalized as Docker does for Docker Hub names
// ("busybox" = "docker.io/library/busybox:latest" -> "busybox:latest").
// Imported archives are trusted local files: their layers are extracted with
// the system tar (whiteouts are applied without following symlinks).

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { BUILTIN_ALIASES, BUILTIN_REF, buildBusyboxRootfs, builtinConfig, defaultBusybox, HOST_USR_LABEL } from './builtin.js';
import { applyLayer, runTar } from './layers.js';
import type { ImageConfig, PreparedRootfs, ResolvedImage } from './types.js';

export type { ImageConfig, PreparedRootfs, ResolvedImage } from './types.js';
export { BUILTIN_REF, BUILTIN_ALIASES, HOST_USR_LABEL } from './builtin.js';
export { whiteoutActions, applyWhiteouts, applyLayer, OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './layers.js';
export { readTar, TarParser, parseHeader, parsePax, type TarEntry } from './tar.js';

export interface ImageStoreOptions {
  /** The node's data dir: the store lives in <dataDir>/images. */
  dataDir: string;
  /** The static busybox for the builtin image (default $GITPLANE_BUSYBOX or /bin/busybox). */
  busybox?: string;
  /** Use overlayfs for container rootfs when root (default true; falls back to a copy when the mount fails). */
  overlay?: boolean;
}

/** Docker's normalization of Docker Hub names: "busybox" -> "busybox:latest", "docker.io/library/x:1" -> "x:1". */
export function normalizeRef(ref: string): string {
  let r = ref.trim();
  r = r.replace(/^(?:index\.)?docker\.io\//, '');
  if (r.startsWith('library/')) r = r.slice('library/'.length);
  if (r.includes('@')) return r;
  const slash = r.lastIndexOf('/');
  const colon = r.lastIndexOf(':');
  if (colon <= slash) r += ':latest';
  return r;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, _o, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve()));
  });
}

/** Mount points of this mount namespace (from /proc/self/mountinfo). */
export function mountPoints(): Set<string> {
  const out = new Set<string>();
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f.length > 4) out.add(f[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
    }
  } catch {
    // no /proc
  }
  return out;
}

interface ArchiveImage {
  configPath: string;
  layers: string[];
  tags: string[];
}

const DIGEST = /^(sha256|sha512):([0-9a-f]{32,128})$/;

function safeRel(base: string, rel: string): string {
  const p = resolvePath(base, rel);
  if (!p.startsWith(`${resolvePath(base)}/`)) throw new Error(`archive path ${JSON.stringify(rel)} escapes the archive`);
  return p;
}

function blobPath(layout: string, digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new Error(`bad digest ${JSON.stringify(digest)}`);
  return join(layout, 'blobs', m[1], m[2]);
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** Reads the images of a `docker save` archive or an OCI layout (already extracted in `dir`). */
export function readArchiveLayout(dir: string): ArchiveImage[] {
  if (existsSync(join(dir, 'manifest.json'))) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
    return manifest.map((m) => ({
      configPath: safeRel(dir, m.Config),
      layers: m.Layers.map((l) => safeRel(dir, l)),
      tags: m.RepoTags ?? [],
    }));
  }
  if (existsSync(join(dir, 'index.json'))) {
    const out: ArchiveImage[] = [];
    type Desc = { mediaType?: string; digest: string; annotations?: Record<string, string>; platform?: { os?: string; architecture?: string } };
    const visit = (desc: Desc, tags: string[]) => {
      const doc = JSON.parse(readFileSync(blobPath(dir, desc.digest), 'utf8')) as { mediaType?: string; manifests?: Desc[]; config?: Desc; layers?: Desc[] };
      const type = desc.mediaType ?? doc.mediaType;
      if ((type && INDEX_TYPES.has(type)) || doc.manifests) {
        const ms = doc.manifests ?? [];
        const pick = ms.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64') ?? ms.find((m) => !m.platform || m.platform.os === 'linux') ?? ms[0];
        if (pick) visit(pick, tags);
        return;
      }
      if (!doc.config) throw new Error(`manifest ${desc.digest} has no config`);
      out.push({ configPath: blobPath(dir, doc.config.digest), layers: (doc.layers ?? []).map((l) => blobPath(dir, l.digest)), tags });
    };
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests?: Desc[] };
    for (const m of index.manifests ?? []) {
      const a = m.annotations ?? {};
      const full = a['io.containerd.image.name'];
      const refName = a['org.opencontainers.image.ref.name'];
      const tags = full ? [full] : refName && /[:/]/.test(refName) ? [refName] : refName ? [`oci-import:${refName}`] : [];
      visit(m, tags);
    }
    return out;
  }
  throw new Error('not an image archive: no manifest.json (docker save) or index.json (OCI layout)');
}

export class ImageStore {
  readonly root: string;
  private readonly busybox: string;
  private readonly overlay: boolean;
  private lock: Promise<unknown> = Promise.resolve();
  private builtin?: Promise<ResolvedImage>;

  constructor(opts: ImageStoreOptions) {
    this.root = join(opts.dataDir, 'images');
    this.busybox = opts.busybox ?? defaultBusybox();
    this.overlay = opts.overlay ?? true;
    for (const d of ['store', 'containers', 'tmp']) mkdirSync(join(this.root, d), { recursive: true });
  }

  /** Serializes changes to refs and the store. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  refs(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(join(this.root, 'refs.json'), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private writeRefs(refs: Record<string, string>): void {
    const tmp = join(this.root, `refs.json.${randomBytes(4).toString('hex')}`);
    writeFileSync(tmp, `${JSON.stringify(refs, null, 2)}\n`);
    renameSync(tmp, join(this.root, 'refs.json'));
  }

  private image(ref: string, id: string, note?: string): ResolvedImage {
    const dir = join(this.root, 'store', id);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ImageConfig;
    return { ref, id, rootfs: join(dir, 'rootfs'), config, hostUsr: config.Labels?.[HOST_USR_LABEL] === 'true', ...(note ? { note } : {}) };
  }

  private has(id: string): boolean {
    return existsSync(join(this.root, 'store', id, 'config.json'));
  }

  /** Builds (once) the builtin gitplane/busybox:latest image, alias busybox:latest. */
  ensureBuiltin(): Promise<ResolvedImage> {
    this.builtin ??= this.locked(async () => {
      const config = builtinConfig();
      const bb = statSync(this.busybox);
      // The id changes when busybox does.
      const id = sha256(JSON.stringify({ config, busybox: { size: bb.size, mtime: bb.mtimeMs } }));
      if (!this.has(id)) {
        const tmp = join(this.root, 'tmp', `builtin-${randomBytes(6).toString('hex')}`);
        try {
          await buildBusyboxRootfs(join(tmp, 'rootfs'), this.busybox);
          writeFileSync(join(tmp, 'config.json'), JSON.stringify(config));
          rmSync(join(this.root, 'store', id), { recursive: true, force: true });
          renameSync(tmp, join(this.root, 'store', id));
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      }
      const refs = this.refs();
      for (const r of [BUILTIN_REF, ...BUILTIN_ALIASES]) refs[r] = id;
      this.writeRefs(refs);
      return this.image(BUILTIN_REF, id);
    });
    this.builtin.catch(() => (this.builtin = undefined));
    return this.builtin;
  }

  /** Imports a `docker save` tarball or an OCI image layout (tar or directory); returns one entry per tag (or per untagged image). */
  importArchive(tarPath: string): Promise<ResolvedImage[]> {
    return this.locked(async () => {
      const tmp = join(this.root, 'tmp', `import-${randomBytes(6).toString('hex')}`);
      mkdirSync(tmp, { recursive: true });
      try {
        let dir = tarPath;
        if (!statSync(tarPath).isDirectory()) {
          dir = join(tmp, 'archive');
          mkdirSync(dir);
          await runTar(['-x', '-f', tarPath, '-C', dir, '--no-same-owner']);
        }
        const images = readArchiveLayout(dir);
        const out: ResolvedImage[] = [];
        const refs = this.refs();
        for (const img of images) {
          const configBytes = readFileSync(img.configPath);
          const id = sha256(configBytes);
          if (!this.has(id)) {
            const parsed = JSON.parse(configBytes.toString('utf8')) as { config?: ImageConfig };
            const build = join(tmp, id);
            mkdirSync(join(build, 'rootfs'), { recursive: true });
            for (const layer of img.layers) await applyLayer(join(build, 'rootfs'), layer);
            writeFileSync(join(build, 'config.json'), JSON.stringify(parsed.config ?? {}));
            rmSync(join(this.root, 'store', id), { recursive: true, force: true });
            renameSync(build, join(this.root, 'store', id));
          }
          refs[`sha256:${id}`] = id;
          const tags = img.tags.map(normalizeRef);
          for (const t of tags) refs[t] = id;
          for (const t of tags.length ? tags : [`sha256:${id}`]) out.push(this.image(t, id));
        }
        this.writeRefs(refs);
        return out;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }

  /**
   * The image for a ref: from the store, the builtin for its names, else —
   * there is no registry to pull from — the builtin with a note.
   */
  async resolve(imageRef: string): Promise<ResolvedImage> {
    const norm = normalizeRef(imageRef);
    const refs = this.refs();
    const direct = refs[norm] ?? refs[imageRef];
    if (direct && this.has(direct)) return this.image(norm, direct);
    const idMatch = /^(?:sha256:)?([0-9a-f]{12,64})$/.exec(imageRef);
    if (idMatch) {
      const id = Object.values(refs).find((v) => v.startsWith(idMatch[1]));
      if (id && this.has(id)) return this.image(`sha256:${id}`, id);
    }
    const builtin = await this.ensureBuiltin();
    if (norm === BUILTIN_REF || BUILTIN_ALIASES.includes(norm)) return builtin;
    return { ...builtin, note: `image ${JSON.stringify(imageRef)} is not in the node's image store and the node has no registry access; running the builtin ${BUILTIN_REF} instead` };
  }

  containerDir(containerId: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(containerId)) throw new Error(`invalid container id ${JSON.stringify(containerId)}`);
    return join(this.root, 'containers', containerId);
  }

  /** A writable rootfs for one container: an overlay over the image when possible, else a copy. */
  async prepareRootfs(containerId: string, image: ResolvedImage | string): Promise<PreparedRootfs> {
    const img = typeof image === 'string' ? await this.resolve(image) : image;
    const dir = this.containerDir(containerId);
    await this.releaseRootfs(containerId);
    mkdirSync(dir, { recursive: true });
    if (this.overlay && isRoot() && !/[,:\\]/.test(img.rootfs + dir)) {
      const merged = join(dir, 'merged');
      for (const d of ['upper', 'work', 'merged']) mkdirSync(join(dir, d));
      try {
        await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${img.rootfs},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, merged]);
        return { path: merged, mode: 'overlay' };
      } catch {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
      }
    }
    const copy = join(dir, 'rootfs');
    mkdirSync(copy);
    await run('cp', ['-a', `${img.rootfs}/.`, copy], 10 * 60_000);
    return { path: copy, mode: 'copy' };
  }

  /** Unmounts and deletes a container's rootfs (idempotent). */
  async releaseRootfs(containerId: string): Promise<void> {
    const dir = this.containerDir(containerId);
    if (!existsSync(dir)) return;
    const merged = join(dir, 'merged');
    if (mountPoints().has(merged)) {
      try {
        await run('umount', [merged]);
      } catch {
        await run('umount', ['-l', merged]).catch(() => undefined);
      }
    }
    if (mountPoints().has(merged)) throw new Error(`cannot unmount ${merged}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function createImageStore(opts: ImageStoreOptions): ImageStore {
  return new ImageStore(opts);
}
