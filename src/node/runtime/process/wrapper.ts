// The pure parts of the process runtime: the shell wrapper that sets a
// namespaced container up (root mode), and the path rewriting of limited mode.

import type { Mount } from '../types.js';

/** Quotes one word for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The default PATH of a container when its env has none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface WrapperSpec {
  /** Mounts with whether each host path is a directory. */
  mounts: Array<Mount & { isDir: boolean }>;
  hostname: string;
  resolvConf?: string;
  hostsFile?: string;
  workingDir?: string;
  /** Where the wrapper lists the mount points it had to create (removed with the container). */
  createdFile: string;
  readOnlyRoot?: boolean;
  /** The container joined a pod netns: mount a sysfs of that netns over /sys (so /sys/class/net shows the pod's interfaces). */
  netnsSysfs?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
}

/**
 * The script run (as `sh -c <script> wrapper <argv…>`) as pid 1 of the new
 * pid/mount/uts/ipc namespaces, before exec'ing the container's argv. It sees
 * the host's filesystem (in a private mount namespace) and:
 *  - creates each missing mount point (recording what it created, deepest
 *    first, in `createdFile`) and bind-mounts the host path there, remounting
 *    it read-only when asked;
 *  - binds resolv.conf and hosts over /etc/resolv.conf and /etc/hosts;
 *  - mounts the pod netns's sysfs on /sys when it joined one;
 *  - remounts / read-only for readOnlyRootFilesystem;
 *  - sets the hostname, cds to the working dir, drops to runAsUser/Group
 *    (setpriv) and execs the container.
 */
export function namespaceWrapperScript(spec: WrapperSpec): string {
  const lines = [
    'set -e',
    `created=${shQuote(spec.createdFile)}`,
    'mkd() { d=$1; l=""; while [ -n "$d" ] && [ ! -e "$d" ] && [ ! -L "$d" ]; do l="$l$d\n"; d=${d%/*}; done; if [ -n "$l" ]; then printf "%s" "$l" >> "$created"; mkdir -p "$1"; fi; }',
    'mkf() { mkd "${1%/*}"; if [ ! -e "$1" ]; then echo "$1" >> "$created"; : > "$1"; fi; }',
  ];
  // Parents first, so a mount nested in another lands on top of it.
  const mounts = [...spec.mounts].sort((a, b) => depth(a.containerPath) - depth(b.containerPath));
  for (const m of mounts) {
    const target = shQuote(m.containerPath);
    lines.push(m.isDir ? `mkd ${target}` : `mkf ${target}`);
    lines.push(`mount --bind ${shQuote(m.hostPath)} ${target}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${target}`);
  }
  if (spec.resolvConf) lines.push(`mount --bind ${shQuote(spec.resolvConf)} /etc/resolv.conf`);
  if (spec.hostsFile) lines.push(`mount --bind ${shQuote(spec.hostsFile)} /etc/hosts`);
  if (spec.netnsSysfs) lines.push('mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys');
  if (spec.readOnlyRoot) lines.push('mount -o remount,bind,ro /');
  lines.push(`echo ${shQuote(spec.hostname)} > /proc/sys/kernel/hostname`);
  if (spec.workingDir) lines.push(`cd ${shQuote(spec.workingDir)}`);
  if (spec.runAsUser !== undefined || spec.runAsGroup !== undefined) {
    const uid = spec.runAsUser ?? 0;
    const gid = spec.runAsGroup ?? spec.runAsUser ?? 0;
    lines.push(`exec setpriv --reuid=${uid} --regid=${gid} --clear-groups -- "$@"`);
  } else {
    lines.push('exec "$@"');
  }
  return lines.join('\n');
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

/** Does `value` start with the path `prefix` (the whole path or below it)? */
function underPath(value: string, prefix: string): boolean {
  const p = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
  return value === p || value.startsWith(p === '/' ? '/' : `${p}/`);
}

/** Rewrites one value whose prefix is a mount's containerPath to the host path (most specific mount wins). */
export function rewritePath(value: string, mounts: Mount[]): string {
  const sorted = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length);
  for (const m of sorted) {
    const cp = m.containerPath.length > 1 ? m.containerPath.replace(/\/+$/, '') : m.containerPath;
    if (underPath(value, cp)) return m.hostPath.replace(/\/+$/, '') + value.slice(cp.length);
  }
  return value;
}

export interface LimitedModeResult {
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
}

/**
 * Limited mode (no root, or useNamespaces: false): the container is a plain
 * host process, so a mount cannot appear at its containerPath. Instead every
 * argv element and env value that starts with a containerPath (also the
 * value of a `--flag=/path` argument) is rewritten to the hostPath, the
 * working dir likewise, and GITPLANE_MOUNT_<n>=<containerPath>=<hostPath>
 * (with GITPLANE_MOUNT_COUNT) tell the program about the mounts.
 */
export function rewriteForLimitedMode(argv: string[], env: Record<string, string>, workingDir: string | undefined, mounts: Mount[]): LimitedModeResult {
  const rw = (v: string) => rewritePath(v, mounts);
  const outArgv = argv.map((a, i) => {
    if (i > 0) {
      const m = /^(--?[^=/]+=)(\/.*)$/.exec(a);
      if (m) return m[1] + rw(m[2]);
    }
    return rw(a);
  });
  const outEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) outEnv[k] = rw(v);
  mounts.forEach((m, i) => {
    outEnv[`GITPLANE_MOUNT_${i}`] = `${m.containerPath}=${m.hostPath}`;
  });
  if (mounts.length > 0) outEnv.GITPLANE_MOUNT_COUNT = String(mounts.length);
  return { argv: outArgv, env: outEnv, workingDir: workingDir === undefined ? undefined : rw(workingDir) };
}
