// The built-in image gitplane/busybox:latest (alias busybox): a rootfs made
// from the host's static busybox (busybox-static) with a symlink per applet
// in /bin, /etc/passwd and /etc/group, /tmp, and lib -> usr/lib,
// lib64 -> usr/lib64. Its /usr is empty: runtimes bind the host's /usr over
// it read-only (label io.gitplane.host-usr=true), so `node` and the host's
// dynamic binaries run inside it.

import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig } from './types.js';

export const BUILTIN_REF = 'gitplane/busybox:latest';
export const BUILTIN_ALIASES = ['busybox:latest'];
export const HOST_USR_LABEL = 'io.gitplane.host-usr';

export function defaultBusybox(): string {
  return process.env.GITPLANE_BUSYBOX || '/bin/busybox';
}

export function builtinConfig(): ImageConfig {
  return {
    Env: ['PATH=/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin'],
    Cmd: ['sh'],
    WorkingDir: '/',
    Labels: { [HOST_USR_LABEL]: 'true', 'io.gitplane.builtin': 'true' },
  };
}

function applets(busybox: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(busybox, ['--list'], { timeout: 10_000 }, (err, out) => (err ? reject(err) : resolve(out.split('\n').map((s) => s.trim()).filter(Boolean))));
  });
}

/** Writes the builtin rootfs into `rootfs` (an empty or missing dir). */
export async function buildBusyboxRootfs(rootfs: string, busybox = defaultBusybox()): Promise<void> {
  statSync(busybox);
  for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'usr', 'var', 'home', 'run', 'mnt']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  chmodSync(join(rootfs, 'root'), 0o700);
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of await applets(busybox)) {
    if (a === 'busybox' || a.includes('/')) continue;
    symlinkSync('busybox', join(rootfs, 'bin', a));
  }
  symlinkSync('bin', join(rootfs, 'sbin'));
  symlinkSync('usr/lib', join(rootfs, 'lib'));
  symlinkSync('usr/lib64', join(rootfs, 'lib64'));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(rootfs, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  writeFileSync(join(rootfs, 'etc', 'resolv.conf'), '');
  writeFileSync(join(rootfs, 'etc', 'hostname'), 'localhost\n');
}
