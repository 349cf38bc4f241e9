// Applying one image layer to a rootfs directory, with OCI/AUFS whiteouts:
// `dir/.wh.<name>` removes <name> from the lower layers, `dir/.wh..wh..opq`
// empties dir (of what lower layers put there). Whiteouts are applied first,
// then the layer is extracted with the system tar, whiteout files excluded.

import { execFile } from 'node:child_process';
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanName, readTar, type TarEntry } from './tar.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

export type WhiteoutAction = { kind: 'remove'; path: string } | { kind: 'opaque'; dir: string };

/** The whiteout actions a layer's member names ask for (pure). Unsafe names (with "..") are ignored. */
export function whiteoutActions(names: string[]): WhiteoutAction[] {
  const out: WhiteoutAction[] = [];
  for (const raw of names) {
    const name = cleanName(raw);
    const slash = name.lastIndexOf('/');
    const dir = slash < 0 ? '' : name.slice(0, slash);
    const base = slash < 0 ? name : name.slice(slash + 1);
    if (!base.startsWith(WHITEOUT_PREFIX)) continue;
    if (name.split('/').some((p) => p === '..' || p === '.')) continue;
    if (base === OPAQUE_WHITEOUT) out.push({ kind: 'opaque', dir });
    else {
      const target = base.slice(WHITEOUT_PREFIX.length);
      if (!target || target === '.' || target === '..') continue;
      out.push({ kind: 'remove', path: dir ? `${dir}/${target}` : target });
    }
  }
  return out;
}

/**
 * Resolves a rootfs-relative path for deletion without leaving the rootfs:
 * undefined when a parent component is a symlink (which could point
 * anywhere on the host) or missing.
 */
function safeTarget(rootfs: string, rel: string): string | undefined {
  const parts = rel.split('/').filter(Boolean);
  let cur = rootfs;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = join(cur, parts[i]);
    try {
      if (!lstatSync(cur).isDirectory()) return undefined;
    } catch {
      return undefined;
    }
  }
  return join(rootfs, ...parts);
}

export function applyWhiteouts(rootfs: string, actions: WhiteoutAction[]): void {
  for (const a of actions) {
    if (a.kind === 'remove') {
      const target = safeTarget(rootfs, a.path);
      if (target) rmSync(target, { recursive: true, force: true });
    } else {
      const dir = a.dir ? safeTarget(rootfs, `${a.dir}/x`) : join(rootfs, 'x');
      if (!dir) continue;
      const d = dir.slice(0, -2);
      let names: string[] = [];
      try {
        if (!lstatSync(d).isDirectory()) continue;
        names = readdirSync(d);
      } catch {
        continue;
      }
      for (const n of names) rmSync(join(d, n), { recursive: true, force: true });
    }
  }
}

export function runTar(args: string[], timeoutMs = 10 * 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('tar', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, _out, stderr) =>
      err ? reject(new Error(`tar ${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
    );
  });
}

/** Applies one layer (a tar, possibly gzip-compressed) on top of rootfs. */
export async function applyLayer(rootfs: string, layerTar: string): Promise<TarEntry[]> {
  const entries = (await readTar(layerTar)).map((e) => e.entry);
  applyWhiteouts(rootfs, whiteoutActions(entries.map((e) => e.name)));
  await runTar(['-x', '-f', layerTar, '-C', rootfs, '--numeric-owner', '--exclude=.wh.*']);
  return entries;
}
