// config.json for one container's OCI bundle (runtime-spec 1.0.2), made
// from the pod sandbox, the container config and its image. Pure.

import type { ContainerConfig, PodSandbox } from '../types.js';
import { cpuQuota, cpuShares, CFS_PERIOD_US } from '../process/cgroups.js';
import { DEFAULT_PATH } from '../process/wrapper.js';
import type { ImageConfig } from '../../images/types.js';

export interface OciSpecInput {
  sandbox: PodSandbox;
  config: ContainerConfig;
  image: { config: ImageConfig; hostUsr: boolean };
  /** The container's rootfs dir. */
  rootfs: string;
  /** linux.cgroupsPath (absolute, under the cgroup root). */
  cgroupsPath: string;
  /** The host's hard RLIMIT_NOFILE (nofile is set to min(this, 20000)). */
  nofileHard?: number;
  /** Whether memory.memsw (swap accounting) exists: then swap = limit (no swap). */
  memsw?: boolean;
}

/** The argv: the container's, else the image's Entrypoint + Cmd. */
export function containerArgs(config: ContainerConfig, image: ImageConfig): string[] {
  if (config.argv.length > 0) return config.argv;
  return [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])];
}

/** Image env, then the container's (container wins), PATH defaulted. As KEY=VALUE. */
export function containerEnv(config: ContainerConfig, image: ImageConfig, hostname: string): string[] {
  const env = new Map<string, string>();
  env.set('PATH', DEFAULT_PATH);
  for (const kv of image.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  env.set('HOSTNAME', hostname);
  for (const [k, v] of Object.entries(config.env)) env.set(k, v);
  if (!env.has('HOME')) env.set('HOME', (config.runAsUser ?? 0) === 0 ? '/root' : '/');
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** uid/gid: runAsUser/Group, else a numeric image User ("uid[:gid]"), else root. */
export function containerUser(config: ContainerConfig, image: ImageConfig): { uid: number; gid: number } {
  let uid = 0;
  let gid = 0;
  const m = /^(\d+)(?::(\d+))?$/.exec(image.User ?? '');
  if (m) {
    uid = Number(m[1]);
    gid = m[2] !== undefined ? Number(m[2]) : uid;
  }
  if (config.runAsUser !== undefined) {
    uid = config.runAsUser;
    if (config.runAsGroup === undefined && !m?.[2]) gid = uid;
  }
  if (config.runAsGroup !== undefined) gid = config.runAsGroup;
  return { uid, gid };
}

const CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const NOFILE_MAX = 20_000;

export function buildOciSpec(input: OciSpecInput): Record<string, unknown> {
  const { sandbox, config, image } = input;
  const user = containerUser(config, image.config);
  const nofile = Math.min(NOFILE_MAX, input.nofileHard ?? NOFILE_MAX);
  const mounts: Array<Record<string, unknown>> = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
  if (image.hostUsr) mounts.push({ destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro', 'nosuid', 'nodev'] });
  if (sandbox.network.resolvConf) mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: sandbox.network.resolvConf, options: ['rbind', 'rprivate'] });
  if (sandbox.network.hostsFile) mounts.push({ destination: '/etc/hosts', type: 'bind', source: sandbox.network.hostsFile, options: ['rbind', 'rprivate'] });
  for (const m of config.mounts) {
    mounts.push({ destination: m.containerPath, type: 'bind', source: m.hostPath, options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] });
  }
  const namespaces: Array<Record<string, string>> = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  // Without a pod netns the container shares the host's network (loopback mode: pod IPs on 127.x).
  if (sandbox.network.netnsPath) namespaces.push({ type: 'network', path: sandbox.network.netnsPath });
  const resources: Record<string, unknown> = { devices: [{ allow: false, access: 'rwm' }] };
  const r = config.resources;
  if (r.memoryLimit !== undefined) resources.memory = { limit: r.memoryLimit, ...(input.memsw ? { swap: r.memoryLimit } : {}) };
  const shares = cpuShares(r.cpuRequestMillis);
  const quota = cpuQuota(r.cpuLimitMillis);
  if (shares !== undefined || quota !== undefined) {
    resources.cpu = { ...(shares !== undefined ? { shares } : {}), ...(quota !== undefined ? { quota, period: CFS_PERIOD_US } : {}) };
  }
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user,
      args: containerArgs(config, image.config),
      env: containerEnv(config, image.config, sandbox.hostname),
      cwd: config.workingDir || image.config.WorkingDir || '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }],
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: config.readOnlyRootFilesystem ?? false },
    hostname: sandbox.hostname,
    mounts,
    linux: {
      cgroupsPath: input.cgroupsPath,
      resources,
      namespaces,
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
