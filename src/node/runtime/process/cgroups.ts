// cgroups for containers, by hand: v1 (one hierarchy per controller under
// /sys/fs/cgroup/<ctrl>/) or v2 (one unified hierarchy at /sys/fs/cgroup with
// memory and cpu in cgroup.controllers). A container's cgroup is
// `<parent>/<container id>`, parent being the sandbox's cgroupParent or
// `gitplane/<sandbox id>`; it is created before the container starts, the
// container joins it by writing 0 ("myself") to each cgroup.procs before it
// execs, and it is removed with the container (then its parents, while empty).

import { accessSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupMode = 'v1' | 'v2' | 'off';

export interface Cgroups {
  mode: CgroupMode;
  /** The cgroup filesystem root (normally /sys/fs/cgroup). */
  root: string;
  /** Why cgroups are off (when mode is "off"). */
  reason?: string;
}

export interface CgroupLimits {
  /** Bytes. */
  memoryLimit?: number;
  cpuLimitMillis?: number;
  cpuRequestMillis?: number;
}

/** The v1 controllers a process container joins. */
export const V1_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
export const CFS_PERIOD_US = 100_000;

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Which cgroup layout to use. "auto": v2 when the unified root has memory and cpu, else v1 when /sys/fs/cgroup/memory is writable, else off. */
export function detectCgroups(want: 'auto' | 'v1' | 'v2' | 'off' = 'auto', root = '/sys/fs/cgroup'): Cgroups {
  if (want === 'off') return { mode: 'off', root, reason: 'cgroups turned off' };
  if (!isRoot()) return { mode: 'off', root, reason: 'not root' };
  const v2ok = (): string | undefined => {
    try {
      const ctrls = readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/);
      if (!ctrls.includes('memory') || !ctrls.includes('cpu')) return `cgroup v2 at ${root} lacks memory/cpu (${ctrls.join(' ').trim()})`;
      accessSync(root, constants.W_OK);
      return undefined;
    } catch (err) {
      return `no cgroup v2 at ${root}: ${(err as Error).message}`;
    }
  };
  const v1ok = (): string | undefined => {
    for (const c of V1_CONTROLLERS) {
      try {
        accessSync(join(root, c, 'cgroup.procs'), constants.W_OK);
      } catch (err) {
        return `no writable cgroup v1 ${c} hierarchy: ${(err as Error).message}`;
      }
    }
    return undefined;
  };
  if (want === 'v2' || want === 'auto') {
    const why = v2ok();
    if (!why) return { mode: 'v2', root };
    if (want === 'v2') return { mode: 'off', root, reason: why };
  }
  const why = v1ok();
  return why ? { mode: 'off', root, reason: why } : { mode: 'v1', root };
}

/** cpu.shares from a request in millicores (the kubelet's formula: min 2). */
export function cpuShares(requestMillis: number | undefined): number | undefined {
  if (requestMillis === undefined) return undefined;
  return Math.max(2, Math.floor((requestMillis * 1024) / 1000));
}

/** CFS quota (µs per CFS_PERIOD_US) from a limit in millicores (min 1 ms, as the kubelet). */
export function cpuQuota(limitMillis: number | undefined): number | undefined {
  if (limitMillis === undefined) return undefined;
  return Math.max(1000, Math.floor((limitMillis * CFS_PERIOD_US) / 1000));
}

/** cgroup v2 cpu.weight from v1 shares (the OCI/runc conversion). */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** The files a value goes into: [relative file, value] per controller dir (v1) or the unified dir (v2). */
export function limitFiles(mode: 'v1' | 'v2', limits: CgroupLimits, memswPresent = false): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const shares = cpuShares(limits.cpuRequestMillis);
  const quota = cpuQuota(limits.cpuLimitMillis);
  if (mode === 'v1') {
    if (limits.memoryLimit !== undefined) {
      out.push(['memory/memory.limit_in_bytes', String(limits.memoryLimit)]);
      if (memswPresent) out.push(['memory/memory.memsw.limit_in_bytes', String(limits.memoryLimit)]);
    }
    if (quota !== undefined) {
      out.push(['cpu/cpu.cfs_period_us', String(CFS_PERIOD_US)]);
      out.push(['cpu/cpu.cfs_quota_us', String(quota)]);
    }
    if (shares !== undefined) out.push(['cpu/cpu.shares', String(shares)]);
  } else {
    if (limits.memoryLimit !== undefined) {
      out.push(['memory.max', String(limits.memoryLimit)]);
      out.push(['memory.swap.max', '0']);
    }
    if (quota !== undefined) out.push(['cpu.max', `${quota} ${CFS_PERIOD_US}`]);
    if (shares !== undefined) out.push(['cpu.weight', String(sharesToWeight(shares))]);
  }
  return out;
}

function dirsOf(cg: Cgroups, rel: string): string[] {
  if (cg.mode === 'v1') return V1_CONTROLLERS.map((c) => join(cg.root, c, rel));
  if (cg.mode === 'v2') return [join(cg.root, rel)];
  return [];
}

/** Creates the container's cgroup with its limits; returns the cgroup.procs files the container must join. */
export function createCgroup(cg: Cgroups, rel: string, limits: CgroupLimits): string[] {
  if (cg.mode === 'off') return [];
  checkRel(rel);
  if (cg.mode === 'v2') enableV2Controllers(cg.root, rel);
  for (const dir of dirsOf(cg, rel)) mkdirSync(dir, { recursive: true });
  const memsw = cg.mode === 'v1' && existsSync(join(cg.root, 'memory', rel, 'memory.memsw.limit_in_bytes'));
  for (const [file, value] of limitFiles(cg.mode, limits, memsw)) {
    const path = cg.mode === 'v1' ? join(cg.root, file.split('/')[0], rel, file.split('/')[1]) : join(cg.root, rel, file);
    if (cg.mode === 'v2' && file === 'memory.swap.max' && !existsSync(path)) continue;
    writeFileSync(path, value);
  }
  return dirsOf(cg, rel).map((d) => join(d, 'cgroup.procs'));
}

/** v2: every ancestor of the leaf must delegate memory/cpu/pids to its children. */
function enableV2Controllers(root: string, rel: string): void {
  const parts = rel.split('/').filter(Boolean);
  let dir = root;
  for (let i = 0; i < parts.length; i++) {
    const avail = readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/);
    const want = ['memory', 'cpu', 'pids'].filter((c) => avail.includes(c));
    try {
      writeFileSync(join(dir, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
    } catch {
      // Already enabled, or this level has processes of its own: the leaf write will tell.
    }
    dir = join(dir, parts[i]);
    mkdirSync(dir, { recursive: true });
  }
}

function checkRel(rel: string): void {
  if (rel.split('/').some((p) => p === '..') || rel.startsWith('/')) throw new Error(`bad cgroup path ${JSON.stringify(rel)}`);
}

/** Pids in the container's cgroup (memory hierarchy for v1). */
export function cgroupPids(cg: Cgroups, rel: string): number[] {
  if (cg.mode === 'off') return [];
  const file = cg.mode === 'v1' ? join(cg.root, 'memory', rel, 'cgroup.procs') : join(cg.root, rel, 'cgroup.procs');
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Did the memory limit kill something in this cgroup? (v1: oom_control's oom_kill, else failcnt with usage at the limit; v2: memory.events.) */
export function wasOomKilled(cg: Cgroups, rel: string): boolean {
  if (cg.mode === 'off') return false;
  return memoryDirOomKilled(cg.mode === 'v1' ? join(cg.root, 'memory', rel) : join(cg.root, rel), cg.mode);
}

export function memoryDirOomKilled(dir: string, mode: 'v1' | 'v2'): boolean {
  const counter = (file: string, key: string): number | undefined => {
    try {
      const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(join(dir, file), 'utf8'));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  };
  const num = (file: string): number | undefined => {
    try {
      return Number(readFileSync(join(dir, file), 'utf8').trim());
    } catch {
      return undefined;
    }
  };
  if (mode === 'v2') return (counter('memory.events', 'oom_kill') ?? 0) > 0;
  const kills = counter('memory.oom_control', 'oom_kill');
  if (kills !== undefined) return kills > 0;
  const failcnt = num('memory.failcnt') ?? 0;
  const max = num('memory.max_usage_in_bytes') ?? 0;
  const limit = num('memory.limit_in_bytes') ?? Infinity;
  return failcnt > 0 && max >= limit - 64 * 1024;
}

/** Every hierarchy directory under the cgroup root (v1: one per mounted hierarchy, deduplicated; v2: the root). */
export function hierarchies(root = '/sys/fs/cgroup'): string[] {
  if (existsSync(join(root, 'cgroup.controllers'))) return [root];
  const seen = new Set<string>();
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  for (const name of names) {
    const dir = join(root, name);
    try {
      if (!existsSync(join(dir, 'cgroup.procs'))) continue;
      const real = realpathSync(dir);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(dir);
    } catch {
      // vanished
    }
  }
  return out;
}

/**
 * Removes `rel` and then its parents while they are empty, in the given
 * hierarchy dirs (EBUSY is retried: killed processes take a moment to leave).
 * Returns false when the leaf could not be removed.
 */
export async function removeCgroupTree(hierarchyDirs: string[], rel: string, opts: { keepLeaf?: boolean; timeoutMs?: number } = {}): Promise<boolean> {
  checkRel(rel);
  const parts = rel.split('/').filter(Boolean);
  let ok = true;
  for (const h of hierarchyDirs) {
    const leaf = join(h, ...parts);
    if (!opts.keepLeaf && isDir(leaf)) {
      const deadline = Date.now() + (opts.timeoutMs ?? 3000);
      for (;;) {
        try {
          rmdirSync(leaf);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (Date.now() > deadline) {
            ok = false;
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    for (let i = parts.length - 1; i >= 1; i--) {
      try {
        rmdirSync(join(h, ...parts.slice(0, i)));
      } catch {
        break; // not empty (another container or pod), or gone
      }
    }
  }
  return ok;
}

/** All cgroup dirs of the container (for the cleanup) in the hierarchies this mode uses. */
export function modeHierarchies(cg: Cgroups): string[] {
  if (cg.mode === 'v1') return V1_CONTROLLERS.map((c) => join(cg.root, c));
  if (cg.mode === 'v2') return [cg.root];
  return [];
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}
