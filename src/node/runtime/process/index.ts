// The process runtime (the default): each container is a host process.
//
// Root mode (root, unless useNamespaces: false): the container gets its own
// pid, mount, uts and ipc namespaces —
//   [nsenter --net=<pod netns> --] [busybox] unshare --fork --pid --mount-proc
//     --mount --uts --ipc -- sh -c <wrapper> <argv…>
// (busybox's unshare when there is a busybox: util-linux 2.38's exits 1
// instead of dying by SIGKILL when its child is SIGKILLed — an OOM kill —
// so with it an exit code 1 plus the cgroup's OOM counter means OOMKilled)
// where the wrapper (see wrapper.ts) bind-mounts each volume's hostPath at its
// containerPath (creating the mount point on the host filesystem and removing
// it with the container), binds resolv.conf/hosts, sets the hostname and execs
// the argv, which thus runs as pid 1 of its pid namespace (so, as in Docker,
// SIGTERM only stops it when it handles SIGTERM). stopContainer sends SIGTERM
// to that pid 1 (root mode) or to the process group (limited mode), then
// SIGKILL to the process group (and every pid in the cgroup). exec uses
// `nsenter -t <pid> -p -m -u -i -n`.
//
// Limited mode (not root, or useNamespaces: false): a plain child process.
// Mounts cannot be put at absolute paths, so argv elements, env values and the
// working dir starting with a containerPath are rewritten to the hostPath and
// GITPLANE_MOUNT_<n>=<containerPath>=<hostPath> are exported (wrapper.ts);
// hostname, resolv.conf, hosts and netns are not applied (HOSTNAME is set).
//
// Either way, when root and cgroups are available (v1 memory/cpu/pids, or v2
// with memory and cpu), the container runs in its own cgroup
// `<sandbox cgroupParent or gitplane/<sandbox id>>/<container id>` with its
// memory and cpu limits (cpu.shares/weight from the request), and an exit by
// SIGKILL with the cgroup's OOM counter raised is reported as OOMKilled (137).
//
// Containers run under a small supervisor (supervisor.ts) that survives the
// agent: a runtime created on the same stateDir adopts the running ones and
// reports their exit codes later. Logs go to config.logPath in the CRI format
// (cri-log.ts). close() leaves containers running.

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig, ContainerRuntime, ContainerState, ExecResult, Mount, PodSandbox, RuntimeInfo } from '../types.js';
import { cgroupPids, createCgroup, detectCgroups, isRoot, modeHierarchies, removeCgroupTree, wasOomKilled, type Cgroups } from './cgroups.js';
import { checkId, childPids, signalNumber, SupervisedContainers, type Entry } from './supervisor.js';
import { DEFAULT_PATH, namespaceWrapperScript, rewriteForLimitedMode, rewritePath } from './wrapper.js';

export { parseCriLine, rfc3339Nano, CriLogFormatter, MAX_LINE } from './cri-log.js';

export const PROCESS_RUNTIME_VERSION = 'process://0.1.0';

export interface ProcessRuntimeOptions {
  /** Where container records, exit files and log FIFOs live (keep it across agent restarts). */
  stateDir: string;
  /** Default: true when running as root. */
  useNamespaces?: boolean;
  /** Default "auto" (v2 if usable, else v1, else off; always off when not root). */
  cgroups?: 'auto' | 'v1' | 'v2' | 'off';
}

export interface ProcessRuntime extends ContainerRuntime {
  /** True in root mode (namespaces), false in limited mode. */
  readonly namespaces: boolean;
  readonly cgroups: Cgroups;
}

interface ProcessMeta {
  sandboxId: string;
  name: string;
  namespaces: boolean;
  cgroupRel?: string;
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  runAsUser?: number;
  runAsGroup?: number;
  createdFile?: string;
}

/** Shell snippet: join the cgroups given as "<n> <files…>", then exec the rest. */
const JOIN_AND_EXEC = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo 0 > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

export function findBin(name: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/local/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // next
    }
  }
  return name;
}

/** A busybox with the unshare applet ($GITPLANE_BUSYBOX, /bin/busybox), if any. */
function findBusyboxUnshare(): string | undefined {
  for (const bb of [process.env.GITPLANE_BUSYBOX, '/bin/busybox', '/usr/bin/busybox']) {
    if (!bb) continue;
    try {
      accessSync(bb, constants.X_OK);
      const r = spawnSync(bb, ['--list'], { encoding: 'utf8', timeout: 5000 });
      if (r.status === 0 && r.stdout.split('\n').includes('unshare')) return bb;
    } catch {
      // next
    }
  }
  return undefined;
}

export function createProcessRuntime(opts: ProcessRuntimeOptions): ProcessRuntime {
  const root = isRoot();
  const namespaces = opts.useNamespaces ?? root;
  if (namespaces && !root) throw new Error('the process runtime needs root for namespaces (useNamespaces: false runs plain processes)');
  const cg = detectCgroups(opts.cgroups ?? 'auto');
  const bins = { unshare: findBin('unshare'), nsenter: findBin('nsenter'), setpriv: findBin('setpriv') };
  // util-linux's unshare (2.38) exits 1, not by SIGKILL, when its child was SIGKILLed (an OOM kill!):
  // busybox's passes the signal on, so it is used when there is one.
  const busyboxUnshare = namespaces ? findBusyboxUnshare() : undefined;
  const unshareArgv = busyboxUnshare ? [busyboxUnshare, 'unshare'] : [bins.unshare];

  const sup: SupervisedContainers<ProcessMeta> = new SupervisedContainers<ProcessMeta>({
    stateDir: opts.stateDir,
    kind: 'process',
    onExit: async (entry, exit) => {
      const m = entry.record.meta;
      let oomKilled = false;
      if (m.cgroupRel && cg.mode !== 'off') {
        const maybeKilled = exit.exitCode === 137 || exit.signal === 'SIGKILL' || (m.namespaces && !busyboxUnshare && exit.exitCode === 1);
        if (maybeKilled) oomKilled = wasOomKilled(cg, m.cgroupRel);
        // The main process is gone: so is the container (what a pid namespace does for us in root mode).
        for (const pid of cgroupPids(cg, m.cgroupRel)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        // The exit (and any OOM kill) is recorded: the cgroup has served its purpose. Removing it
        // now keeps exited containers of finished pods from leaving cgroup dirs behind.
        await removeCgroupTree(modeHierarchies(cg), m.cgroupRel);
      }
      return { oomKilled };
    },
  });
  sup.adopt();

  function baseEnv(sandbox: PodSandbox, config: ContainerConfig): Record<string, string> {
    const uid = config.runAsUser ?? (namespaces ? 0 : process.getuid?.() ?? 0);
    return { PATH: DEFAULT_PATH, HOSTNAME: sandbox.hostname, HOME: uid === 0 ? '/root' : '/', ...config.env };
  }

  async function stop(id: string, graceMs: number): Promise<void> {
    const e = sup.get(id);
    if (!e || e.state.state !== 'running') return;
    if (graceMs > 0) {
      // Root mode: to the container's pid 1 only (as runc kill does; the unshare parent must not die first).
      const inner = e.record.meta.namespaces ? await innerPid(id, 500) : undefined;
      if (inner !== undefined) {
        try {
          process.kill(inner, 'SIGTERM');
        } catch {
          // gone
        }
      } else {
        await sup.signalGroup(id, 'SIGTERM');
      }
      if (await sup.waitExit(id, graceMs)) return;
    }
    await sup.signalGroup(id, 'SIGKILL');
    killCgroup(e);
    if (await sup.waitExit(id, 10_000)) return;
    sup.killSupervisor(id);
    await sup.waitExit(id, 5_000);
  }

  /** Root mode: the container's pid 1 (the unshare's child), as the host sees it. */
  async function innerPid(id: string, waitMs: number): Promise<number | undefined> {
    const outer = await sup.containerPid(id, waitMs);
    const deadline = Date.now() + waitMs;
    while (outer !== undefined && sup.status(id).state === 'running') {
      const inner = childPids(outer)[0];
      if (inner !== undefined) return inner;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 2));
    }
    return undefined;
  }

  function killCgroup(e: Entry<ProcessMeta>): void {
    const rel = e.record.meta.cgroupRel;
    if (!rel) return;
    for (const pid of cgroupPids(cg, rel)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  function removeCreatedMountPoints(e: Entry<ProcessMeta>): void {
    const file = e.record.meta.createdFile;
    if (!file) return;
    let paths: string[] = [];
    try {
      paths = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
    } catch {
      return;
    }
    // Deepest first: a parent goes once all it held is gone.
    paths.sort((a, b) => b.split('/').length - a.split('/').length);
    const inUse = (p: string) =>
      [...sup.list()].some((other) => {
        const o = sup.get(other);
        return other !== e.record.id && o?.state.state === 'running' && o.record.meta.mounts.some((m) => m.containerPath === p || m.containerPath.startsWith(`${p}/`));
      });
    for (const p of paths) {
      if (inUse(p)) continue;
      try {
        const st = statSync(p);
        if (st.isDirectory()) rmdirSync(p);
        else if (st.isFile() && st.size === 0) unlinkSync(p);
      } catch {
        // not empty, or gone: leave it
      }
    }
    rmSync(file, { force: true });
  }

  const runtime: ProcessRuntime = {
    namespaces,
    cgroups: cg,

    async info(): Promise<RuntimeInfo> {
      return { version: PROCESS_RUNTIME_VERSION, enforcesLimits: cg.mode !== 'off' };
    },

    async createSandbox(): Promise<void> {
      // Nothing shared: the pod's netns (if any) is the node's, the cgroup parent is made with the first container.
    },

    async removeSandbox(sandbox: PodSandbox): Promise<void> {
      if (cg.mode === 'off') return;
      await removeCgroupTree(modeHierarchies(cg), sandbox.cgroupParent ?? `gitplane/${sandbox.id}`, { timeoutMs: 0 });
    },

    async startContainer(sandbox: PodSandbox, config: ContainerConfig): Promise<void> {
      checkId(config.id);
      if (config.argv.length === 0) throw new Error(`container ${config.id}: the process runtime needs a command (it has no images)`);
      const env = baseEnv(sandbox, config);
      let argv: string[];
      let workingDir: string | undefined;
      let createdFile: string | undefined;
      if (namespaces) {
        const mounts = config.mounts.map((m) => {
          let isDir: boolean;
          try {
            isDir = statSync(m.hostPath).isDirectory();
          } catch {
            throw new Error(`container ${config.id}: mount source ${m.hostPath} does not exist`);
          }
          return { ...m, isDir };
        });
        createdFile = join(opts.stateDir, `${config.id}.created`);
        rmSync(createdFile, { force: true });
        const script = namespaceWrapperScript({
          mounts,
          hostname: sandbox.hostname,
          resolvConf: sandbox.network.resolvConf,
          hostsFile: sandbox.network.hostsFile,
          workingDir: config.workingDir,
          createdFile,
          readOnlyRoot: config.readOnlyRootFilesystem,
          netnsSysfs: sandbox.network.netnsPath !== undefined,
          runAsUser: config.runAsUser,
          runAsGroup: config.runAsGroup,
        });
        argv = [
          ...(sandbox.network.netnsPath ? [bins.nsenter, `--net=${sandbox.network.netnsPath}`, '--'] : []),
          ...unshareArgv,
          '--fork',
          '--pid',
          '--mount-proc',
          '--mount',
          '--uts',
          '--ipc',
          ...(busyboxUnshare ? [] : ['--kill-child']),
          '--',
          '/bin/sh',
          '-c',
          script,
          'gitplane-init',
          ...config.argv,
        ];
      } else {
        const r = rewriteForLimitedMode(config.argv, env, config.workingDir, config.mounts);
        argv = r.argv;
        Object.assign(env, r.env);
        workingDir = r.workingDir;
        if (root && (config.runAsUser !== undefined || config.runAsGroup !== undefined)) {
          const uid = config.runAsUser ?? 0;
          argv = [bins.setpriv, `--reuid=${uid}`, `--regid=${config.runAsGroup ?? uid}`, '--clear-groups', '--', ...argv];
        }
      }
      let cgroupRel: string | undefined;
      let procs: string[] = [];
      if (cg.mode !== 'off') {
        cgroupRel = `${sandbox.cgroupParent ?? `gitplane/${sandbox.id}`}/${config.id}`;
        try {
          procs = createCgroup(cg, cgroupRel, config.resources);
        } catch (err) {
          await removeCgroupTree(modeHierarchies(cg), cgroupRel, { timeoutMs: 0 });
          throw new Error(`container ${config.id}: cgroup ${cgroupRel}: ${(err as Error).message}`);
        }
      }
      try {
        await sup.start({
          id: config.id,
          argv,
          env,
          workingDir,
          logPath: config.logPath,
          cgroupProcs: procs,
          meta: {
            sandboxId: sandbox.id,
            name: config.name,
            namespaces,
            cgroupRel,
            env,
            workingDir: config.workingDir,
            mounts: config.mounts,
            runAsUser: config.runAsUser,
            runAsGroup: config.runAsGroup,
            createdFile,
          },
        });
      } catch (err) {
        if (cgroupRel) await removeCgroupTree(modeHierarchies(cg), cgroupRel, { timeoutMs: 0 });
        throw err;
      }
    },

    stopContainer: stop,

    async removeContainer(id: string): Promise<void> {
      const e = sup.get(id);
      if (!e) return;
      if (e.state.state === 'running') await stop(id, 0);
      if (e.record.meta.cgroupRel && cg.mode !== 'off') await removeCgroupTree(modeHierarchies(cg), e.record.meta.cgroupRel);
      removeCreatedMountPoints(e);
      sup.forget(id);
    },

    status(id: string): ContainerState {
      const s = sup.status(id);
      return s;
    },

    onChange(listener: (id: string) => void): void {
      sup.onChange(listener);
    },

    async exec(id: string, argv: string[], timeoutMs: number): Promise<ExecResult> {
      const e = sup.get(id);
      if (!e || e.state.state !== 'running') throw new Error(`container ${id} is not running`);
      const m = e.record.meta;
      let cmd: string[];
      let cwd: string | undefined;
      if (m.namespaces) {
        const inner = await innerPid(id, 2000);
        if (inner === undefined) throw new Error(`container ${id}: no process to exec in`);
        const ids: string[] = [];
        if (m.runAsUser !== undefined) ids.push('-S', String(m.runAsUser));
        if (m.runAsGroup !== undefined || m.runAsUser !== undefined) ids.push('-G', String(m.runAsGroup ?? m.runAsUser));
        cmd = [bins.nsenter, '-t', String(inner), '-p', '-m', '-u', '-i', '-n', '--wd', ...ids, '--', ...argv];
      } else {
        cmd = argv.map((a) => rewritePath(a, m.mounts));
        const wd = m.workingDir === undefined ? undefined : rewritePath(m.workingDir, m.mounts);
        cwd = wd && existsSync(wd) ? wd : undefined;
        if (root && m.runAsUser !== undefined) cmd = [bins.setpriv, `--reuid=${m.runAsUser}`, `--regid=${m.runAsGroup ?? m.runAsUser}`, '--clear-groups', '--', ...cmd];
      }
      const procs = m.cgroupRel && cg.mode !== 'off' ? createCgroupProcsList(cg, m.cgroupRel) : [];
      return runExec(['/bin/sh', '-c', JOIN_AND_EXEC, 'gitplane-exec', String(procs.length), ...procs, ...cmd], m.env, cwd, timeoutMs);
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

function createCgroupProcsList(cg: Cgroups, rel: string): string[] {
  const dirs = modeHierarchies(cg).map((h) => join(h, rel));
  return dirs.filter((d) => existsSync(d)).map((d) => join(d, 'cgroup.procs'));
}

const EXEC_OUTPUT_LIMIT = 4 * 1024 * 1024;

/** Runs argv in its own process group; on timeout kills the group. */
export function runExec(argv: string[], env: Record<string, string>, cwd: string | undefined, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd: cwd ?? '/', detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout!.on('data', (d: Buffer) => {
      if (outLen < EXEC_OUTPUT_LIMIT) out.push(d);
      outLen += d.length;
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (errLen < EXEC_OUTPUT_LIMIT) err.push(d);
      errLen += d.length;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, Math.max(1, timeoutMs));
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + (spawnError ? `${spawnError.message}\n` : '');
      resolve({
        exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr,
        timedOut,
      });
    });
  });
}
