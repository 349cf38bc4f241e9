// The runc runtime: one OCI bundle per container (<stateDir>/bundles/<id>,
// config.json from oci-spec.ts, rootfs from the image store), run in the
// foreground — `runc --root <stateDir>/runc run --keep --bundle <dir> <id>` —
// under the same supervisor as the process runtime (../process/supervisor.ts):
// the container's stdout/stderr go straight to the supervisor's FIFOs and end
// up in the log file in the CRI format, runc's exit status is the
// container's (128+n for signal n), and a runtime restarted on the same
// stateDir adopts running containers.
//
// `--keep` leaves the container (and its cgroup) behind when it exits, so its
// OOM counter can be read (memory.oom_control oom_kill on v1,
// memory.events on v2) before `runc delete -f`. runc leaves the parent cgroup
// dirs (`gitplane/<sandbox>`) in every hierarchy: they are removed when empty.
//
// Stop: `runc kill <id> TERM`, then KILL after the grace period (the
// container's pid 1 ignores TERM unless it handles it). exec: `runc exec`.
// The network: the pod's netns when the sandbox has one, else the host's
// (loopback mode, pod IPs on 127.x).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageStore } from '../../images/index.js';
import { hierarchies, isRoot, memoryDirOomKilled, removeCgroupTree } from '../process/cgroups.js';
import { findBin, runExec } from '../process/index.js';
import { checkId, SupervisedContainers } from '../process/supervisor.js';
import { DEFAULT_PATH } from '../process/wrapper.js';
import type { ContainerConfig, ContainerRuntime, ContainerState, ExecResult, PodSandbox, RuntimeInfo } from '../types.js';
import { buildOciSpec, containerArgs } from './oci-spec.js';

export { buildOciSpec, containerArgs, containerEnv, containerUser, NOFILE_MAX } from './oci-spec.js';

export interface RuncRuntimeOptions {
  stateDir: string;
  images: ImageStore;
  /** Default: $GITPLANE_RUNC_BIN, else runc found in /usr/sbin, /usr/bin, … */
  runcBin?: string;
}

export interface RuncRuntime extends ContainerRuntime {
  readonly runcBin: string;
  /** runc's --root. */
  readonly runcRoot: string;
}

interface RuncMeta {
  sandboxId: string;
  name: string;
  cgroupRel: string;
  bundle: string;
  image: string;
  imageNote?: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

function hostNofileHard(): number | undefined {
  try {
    const m = /^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function memoryDir(rel: string): { dir: string; mode: 'v1' | 'v2' } {
  if (existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))) return { dir: join(CGROUP_ROOT, rel), mode: 'v2' };
  return { dir: join(CGROUP_ROOT, 'memory', rel), mode: 'v1' };
}

export function createRuncRuntime(opts: RuncRuntimeOptions): RuncRuntime {
  const runcBin = opts.runcBin ?? (process.env.GITPLANE_RUNC_BIN || findBin('runc'));
  const runcRoot = join(opts.stateDir, 'runc');
  const bundles = join(opts.stateDir, 'bundles');
  mkdirSync(runcRoot, { recursive: true });
  mkdirSync(bundles, { recursive: true });
  const images = opts.images;
  let version: Promise<string> | undefined;

  function runc(args: string[], timeoutMs = 30_000): Promise<{ ok: boolean; out: string }> {
    return new Promise((resolve) => {
      execFile(runcBin, ['--root', runcRoot, ...args], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
        resolve({ ok: !err, out: `${stdout}${stderr}` }),
      );
    });
  }

  async function cleanupCgroups(rel: string): Promise<void> {
    await removeCgroupTree(hierarchies(CGROUP_ROOT), rel, { timeoutMs: 1000 });
  }

  const sup: SupervisedContainers<RuncMeta> = new SupervisedContainers<RuncMeta>({
    stateDir: join(opts.stateDir, 'containers'),
    kind: 'runc',
    onExit: async (entry, exit) => {
      const m = entry.record.meta;
      let oomKilled = false;
      if (exit.exitCode === 137 || exit.signal === 'SIGKILL') {
        const { dir, mode } = memoryDir(m.cgroupRel);
        oomKilled = memoryDirOomKilled(dir, mode);
      }
      await runc(['delete', '-f', entry.record.id]);
      await cleanupCgroups(m.cgroupRel);
      // Nothing runs in the root filesystem any more: unmount it now, so exited containers of
      // finished pods (kept for their logs) do not hold overlay mounts on the host.
      await images.releaseRootfs(entry.record.id).catch(() => undefined);
      return { oomKilled };
    },
  });
  sup.adopt();

  function containerExists(id: string): boolean {
    return existsSync(join(runcRoot, id, 'state.json'));
  }

  async function kill(id: string, signal: 'TERM' | 'KILL'): Promise<void> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const r = await runc(['kill', id, signal]);
      if (r.ok || sup.status(id).state !== 'running') return;
      if (containerExists(id) || Date.now() > deadline) return;
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  async function stop(id: string, graceMs: number): Promise<void> {
    const e = sup.get(id);
    if (!e || e.state.state !== 'running') return;
    if (graceMs > 0) {
      await kill(id, 'TERM');
      if (await sup.waitExit(id, graceMs)) return;
    }
    await kill(id, 'KILL');
    if (await sup.waitExit(id, 10_000)) return;
    // runc itself is stuck: kill its process group (the container's init is in it).
    await sup.signalGroup(id, 'SIGKILL');
    if (await sup.waitExit(id, 5_000)) return;
    sup.killSupervisor(id);
    await sup.waitExit(id, 5_000);
  }

  const runtime: RuncRuntime = {
    runcBin,
    runcRoot,

    async info(): Promise<RuntimeInfo> {
      version ??= new Promise((resolve) => {
        execFile(runcBin, ['--version'], { timeout: 10_000 }, (err, out) => {
          const m = /runc version (\d+\.\d+\.\d+)/.exec(out ?? '');
          resolve(err || !m ? 'runc://unknown' : `runc://${m[1]}`);
        });
      });
      const enforces = isRoot() && (existsSync(join(CGROUP_ROOT, 'memory', 'cgroup.procs')) || existsSync(join(CGROUP_ROOT, 'cgroup.controllers')));
      return { version: await version, enforcesLimits: enforces };
    },

    async createSandbox(): Promise<void> {
      // The pod's netns (if any) is made by the node; runc makes the cgroups.
    },

    async removeSandbox(sandbox: PodSandbox): Promise<void> {
      await removeCgroupTree(hierarchies(CGROUP_ROOT), sandbox.cgroupParent ?? `gitplane/${sandbox.id}`, { timeoutMs: 0 });
    },

    async startContainer(sandbox: PodSandbox, config: ContainerConfig): Promise<void> {
      checkId(config.id);
      if (sup.get(config.id)) throw new Error(`container ${config.id} already exists`);
      const image = await images.resolve(config.image);
      if (containerArgs(config, image.config).length === 0) throw new Error(`container ${config.id}: no command and the image has no Entrypoint/Cmd`);
      const cgroupRel = `${sandbox.cgroupParent ?? `gitplane/${sandbox.id}`}/${config.id}`;
      const bundle = join(bundles, config.id);
      // A leftover of an earlier attempt with this id.
      if (existsSync(join(runcRoot, config.id))) await runc(['delete', '-f', config.id]);
      const rootfs = await images.prepareRootfs(config.id, image);
      try {
        rmSync(bundle, { recursive: true, force: true });
        mkdirSync(bundle, { recursive: true });
        const spec = buildOciSpec({
          sandbox,
          config,
          image,
          rootfs: rootfs.path,
          cgroupsPath: `/${cgroupRel}`,
          nofileHard: hostNofileHard(),
          memsw: existsSync(join(CGROUP_ROOT, 'memory', 'memory.memsw.limit_in_bytes')),
        });
        writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
        const entry = await sup.start({
          id: config.id,
          argv: [runcBin, '--root', runcRoot, 'run', '--keep', '--bundle', bundle, config.id],
          env: { PATH: DEFAULT_PATH },
          logPath: config.logPath,
          cgroupProcs: [],
          meta: { sandboxId: sandbox.id, name: config.name, cgroupRel, bundle, image: image.ref, ...(image.note ? { imageNote: image.note } : {}) },
        });
        // Running once runc has created it (or it is over already).
        const deadline = Date.now() + 30_000;
        while (entry.state.state === 'running' && !containerExists(config.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      } catch (err) {
        rmSync(bundle, { recursive: true, force: true });
        await images.releaseRootfs(config.id).catch(() => undefined);
        throw err;
      }
    },

    stopContainer: stop,

    async removeContainer(id: string): Promise<void> {
      const e = sup.get(id);
      if (!e) return;
      if (e.state.state === 'running') await stop(id, 0);
      if (existsSync(join(runcRoot, id))) await runc(['delete', '-f', id]);
      await cleanupCgroups(e.record.meta.cgroupRel);
      await images.releaseRootfs(id);
      rmSync(e.record.meta.bundle, { recursive: true, force: true });
      sup.forget(id);
    },

    status(id: string): ContainerState {
      return sup.status(id);
    },

    onChange(listener: (id: string) => void): void {
      sup.onChange(listener);
    },

    async exec(id: string, argv: string[], timeoutMs: number): Promise<ExecResult> {
      const e = sup.get(id);
      if (!e || e.state.state !== 'running') throw new Error(`container ${id} is not running`);
      return runExec([runcBin, '--root', runcRoot, 'exec', id, ...argv], { PATH: DEFAULT_PATH }, undefined, timeoutMs);
    },

    list(): string[] {
      return sup.list();
    },

    async close(): Promise<void> {
      sup.close();
    },
  };
  return runtime;
}

/** Containers runc knows under a --root (for tests and cleanup). */
export function runcStateIds(runcRoot: string): string[] {
  try {
    return readdirSync(runcRoot).filter((n) => existsSync(join(runcRoot, n, 'state.json')));
  } catch {
    return [];
  }
}
