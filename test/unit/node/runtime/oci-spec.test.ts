import { describe, expect, it } from 'vitest';
import { buildOciSpec, containerArgs, containerEnv, containerUser } from '../../../../src/node/runtime/runc/oci-spec.js';
import type { ContainerConfig, PodSandbox } from '../../../../src/node/runtime/types.js';

const sandbox: PodSandbox = { id: 'uid-1', namespace: 'default', name: 'web', uid: 'uid-1', hostname: 'web-0', network: { ip: '127.1.0.5' } };
const config: ContainerConfig = {
  id: 'uid-1-app-0',
  name: 'app',
  image: 'busybox',
  argv: ['node', 'server.js'],
  env: { PORT: '8080', PATH: '/custom/bin' },
  workingDir: '/srv',
  mounts: [{ hostPath: '/var/lib/gp/v1', containerPath: '/data', readOnly: true }],
  logPath: '/var/log/x.log',
  resources: { memoryLimit: 64 * 1024 * 1024, cpuLimitMillis: 500, cpuRequestMillis: 250 },
};
const image = { config: { Env: ['PATH=/bin', 'LANG=C.UTF-8'], Cmd: ['sh'], WorkingDir: '/' }, hostUsr: true };

type Spec = {
  process: { terminal: boolean; args: string[]; env: string[]; cwd: string; user: { uid: number; gid: number }; rlimits: Array<{ type: string; hard: number; soft: number }> };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: Array<{ destination: string; type: string; source: string; options?: string[] }>;
  linux: { cgroupsPath: string; namespaces: Array<{ type: string; path?: string }>; resources: { memory?: { limit: number; swap?: number }; cpu?: { shares?: number; quota?: number; period?: number } } };
};

describe('OCI config.json', () => {
  const spec = buildOciSpec({ sandbox, config, image, rootfs: '/rootfs', cgroupsPath: '/gitplane/uid-1/uid-1-app-0', nofileHard: 1_048_576, memsw: true }) as unknown as Spec;

  it('describes the process', () => {
    expect(spec.process.terminal).toBe(false);
    expect(spec.process.args).toEqual(['node', 'server.js']);
    expect(spec.process.env).toEqual(['PATH=/custom/bin', 'LANG=C.UTF-8', 'HOSTNAME=web-0', 'PORT=8080', 'HOME=/root']);
    expect(spec.process.cwd).toBe('/srv');
    expect(spec.process.user).toEqual({ uid: 0, gid: 0 });
    expect(spec.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 20_000, soft: 20_000 }]);
    expect(spec.root).toEqual({ path: '/rootfs', readonly: false });
    expect(spec.hostname).toBe('web-0');
  });

  it('mounts /proc, /dev, /sys, the host /usr read-only and the volumes', () => {
    const byDest = new Map(spec.mounts.map((m) => [m.destination, m]));
    for (const d of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/sys', '/sys/fs/cgroup']) expect(byDest.has(d), d).toBe(true);
    expect(byDest.get('/usr')).toEqual({ destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro', 'nosuid', 'nodev'] });
    expect(byDest.get('/data')).toEqual({ destination: '/data', type: 'bind', source: '/var/lib/gp/v1', options: ['rbind', 'rprivate', 'ro'] });
  });

  it('shares the host network without a pod netns, joins it with one', () => {
    expect(spec.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount']);
    const withNs = buildOciSpec({ sandbox: { ...sandbox, network: { ip: '10.0.0.2', netnsPath: '/run/netns/gp-1', resolvConf: '/r', hostsFile: '/h' } }, config, image, rootfs: '/r', cgroupsPath: '/x' }) as unknown as Spec;
    expect(withNs.linux.namespaces).toContainEqual({ type: 'network', path: '/run/netns/gp-1' });
    expect(withNs.mounts.map((m) => m.destination)).toEqual(expect.arrayContaining(['/etc/resolv.conf', '/etc/hosts']));
  });

  it('sets the cgroup path and resources', () => {
    expect(spec.linux.cgroupsPath).toBe('/gitplane/uid-1/uid-1-app-0');
    expect(spec.linux.resources.memory).toEqual({ limit: 67108864, swap: 67108864 });
    expect(spec.linux.resources.cpu).toEqual({ shares: 256, quota: 50_000, period: 100_000 });
    const none = buildOciSpec({ sandbox, config: { ...config, resources: {} }, image, rootfs: '/r', cgroupsPath: '/x', nofileHard: 1024 }) as unknown as Spec;
    expect(none.linux.resources.memory).toBeUndefined();
    expect(none.linux.resources.cpu).toBeUndefined();
    expect(none.process.rlimits[0].hard).toBe(1024);
  });

  it('falls back to the image for argv, env, cwd and user', () => {
    expect(containerArgs({ ...config, argv: [] }, { Entrypoint: ['/entry'], Cmd: ['a', 'b'] })).toEqual(['/entry', 'a', 'b']);
    expect(containerEnv({ ...config, env: {} }, { Env: ['PATH=/bin'] }, 'h')).toEqual(['PATH=/bin', 'HOSTNAME=h', 'HOME=/root']);
    expect(containerUser({ ...config }, { User: '1000:2000' })).toEqual({ uid: 1000, gid: 2000 });
    expect(containerUser({ ...config, runAsUser: 5 }, { User: 'nobody' })).toEqual({ uid: 5, gid: 5 });
    expect(containerUser({ ...config, runAsUser: 5, runAsGroup: 7 }, {})).toEqual({ uid: 5, gid: 7 });
    const s = buildOciSpec({ sandbox, config: { ...config, workingDir: undefined, argv: [] }, image: { config: { Cmd: ['sh'], WorkingDir: '/w' }, hostUsr: false }, rootfs: '/r', cgroupsPath: '/x' }) as unknown as Spec;
    expect(s.process.cwd).toBe('/w');
    expect(s.process.args).toEqual(['sh']);
    expect(s.mounts.some((m) => m.destination === '/usr')).toBe(false);
  });
});
