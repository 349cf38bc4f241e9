// The real container runtimes, one shared set of cases run against each:
// the process runtime (root mode with namespaces when root, and limited mode
// forced with useNamespaces: false) and runc (needs root, runc and busybox;
// skipped with the reason printed when missing, a failure under CI=true).
// Everything a case starts is removed by the case (and again, by force, in
// afterEach/afterAll, so a failure leaves nothing behind either).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createImageStore, type ImageStore } from '../../../src/node/images/index.js';
import { hierarchies } from '../../../src/node/runtime/process/cgroups.js';
import { createProcessRuntime, findBin, parseCriLine } from '../../../src/node/runtime/process/index.js';
import { procStat } from '../../../src/node/runtime/process/supervisor.js';
import { createRuncRuntime, runcStateIds } from '../../../src/node/runtime/runc/index.js';
import type { ContainerConfig, ContainerRuntime, ContainerState, PodSandbox } from '../../../src/node/runtime/types.js';

const IS_ROOT = process.getuid?.() === 0;
const CI = process.env.CI === 'true';

function executable(p: string | undefined): string | undefined {
  if (!p) return undefined;
  try {
    accessSync(p, constants.X_OK);
    return p;
  } catch {
    return undefined;
  }
}

const runcBin = executable(process.env.GITPLANE_RUNC_BIN) ?? executable(findBin('runc'));
const busybox = executable(process.env.GITPLANE_BUSYBOX) ?? executable('/bin/busybox');
const runcSkip =
  process.env.GITPLANE_SKIP_RUNC ??
  process.env.GITPLANE_SKIP_BUSYBOX ??
  (!IS_ROOT ? 'runc containers need root' : !runcBin ? 'runc is not installed (apt-get install runc)' : !busybox ? 'busybox-static is not installed' : undefined);

const BASE = mkdtempSync(join(tmpdir(), 'gitplane-rt-'));
const rand = () => randomBytes(4).toString('hex');

interface Kind {
  name: string;
  /** Runs in its own namespaces (mounts at containerPath, hostname, pid 1). */
  namespaces: boolean;
  runc: boolean;
  make(stateDir: string): ContainerRuntime;
  images?: () => ImageStore;
}

let imageStore: ImageStore | undefined;
const kinds: Kind[] = [
  { name: IS_ROOT ? 'process (root mode)' : 'process (limited mode, not root)', namespaces: IS_ROOT, runc: false, make: (stateDir) => createProcessRuntime({ stateDir }) },
];
if (IS_ROOT) {
  kinds.push({ name: 'process (limited mode forced)', namespaces: false, runc: false, make: (stateDir) => createProcessRuntime({ stateDir, useNamespaces: false }) });
}
if (!runcSkip) {
  kinds.push({
    name: 'runc',
    namespaces: true,
    runc: true,
    make: (stateDir) => createRuncRuntime({ stateDir, images: imageStore!, runcBin }),
    images: () => imageStore!,
  });
} else if (CI) {
  describe('runc runtime', () => {
    it('is available under CI', () => {
      throw new Error(`CI=true and the runc cases cannot run: ${runcSkip}`);
    });
  });
} else {
  console.log(`[runtime tests] skipping the runc cases: ${runcSkip}`);
}

beforeAll(async () => {
  if (!runcSkip) {
    imageStore = createImageStore({ dataDir: join(BASE, 'data'), busybox });
    await imageStore.ensureBuiltin();
  }
});

afterAll(() => {
  // Mount points are all gone by now (the cases check); the data dir is ours.
  rmSync(BASE, { recursive: true, force: true });
});

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Exited = Extract<ContainerState, { state: 'exited' }>;

function logText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The contents of the log's lines, per stream (checking every line is a CRI line). */
function logLines(path: string): Array<{ time: string; stream: string; partial: boolean; content: string }> {
  return logText(path)
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const p = parseCriLine(l);
      if (!p) throw new Error(`not a CRI log line: ${JSON.stringify(l)}`);
      return p;
    });
}

for (const kind of kinds) {
  describe(`container runtime: ${kind.name}`, () => {
    const dir = join(BASE, kind.name.replace(/[^a-z]+/g, '-'));
    const stateDir = join(dir, 'state');
    let rt: ContainerRuntime;
    const sandboxes: PodSandbox[] = [];
    let live: string[] = []; // containers of the current case
    const pidsSeen = new Set<number>();
    const mountRoots: string[] = [];
    const runtimes: ContainerRuntime[] = [];

    beforeAll(() => {
      mkdirSync(dir, { recursive: true });
      rt = kind.make(stateDir);
      runtimes.push(rt);
    });

    afterEach(async () => {
      for (const id of live) {
        await rt.stopContainer(id, 0).catch(() => undefined);
        await rt.removeContainer(id).catch(() => undefined);
      }
      live = [];
    });

    afterAll(async () => {
      for (const r of runtimes) {
        for (const id of r.list()) {
          await r.stopContainer(id, 0).catch(() => undefined);
          await r.removeContainer(id).catch(() => undefined);
        }
      }
      for (const sb of sandboxes) await rt.removeSandbox(sb).catch(() => undefined);
      for (const r of runtimes) await r.close();
      for (const pid of pidsSeen) {
        if (procStat(pid)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
      for (const m of mountRoots) rmSync(m, { recursive: true, force: true });
    });

    function sandbox(): PodSandbox {
      const id = `sb-${rand()}`;
      const b = randomBytes(3);
      const sb: PodSandbox = {
        id,
        namespace: 'default',
        name: `pod-${id}`,
        uid: id,
        hostname: `host-${id}`,
        network: { ip: `127.${1 + (b[0] % 250)}.${b[1]}.${1 + (b[2] % 250)}` },
      };
      sandboxes.push(sb);
      return sb;
    }

    function config(over: Partial<ContainerConfig> & { argv: string[] }): ContainerConfig {
      const id = `c-${rand()}`;
      return {
        id,
        name: 'main',
        image: 'busybox',
        env: {},
        mounts: [],
        logPath: join(dir, 'logs', `${id}.log`),
        resources: {},
        ...over,
      };
    }

    async function start(sb: PodSandbox, c: ContainerConfig): Promise<ContainerConfig> {
      live.push(c.id);
      await rt.startContainer(sb, c);
      const s = rt.status(c.id);
      if (s.state === 'running') pidsSeen.add(s.pid);
      return c;
    }

    async function exited(id: string, timeoutMs = 15_000): Promise<Exited> {
      return waitFor(`${id} to exit`, () => {
        const s = rt.status(id);
        return s.state === 'exited' ? s : undefined;
      }, timeoutMs);
    }

    async function remove(id: string): Promise<void> {
      await rt.removeContainer(id);
      live = live.filter((x) => x !== id);
    }

    it('reports its version', async () => {
      const info = await rt.info();
      expect(info.version).toBe(kind.runc ? 'runc://1.1.5' : 'process://0.1.0');
      if (kind.runc) expect(info.enforcesLimits).toBe(true);
    });

    it('runs a node HTTP server reachable on the pod IP', async () => {
      const sb = sandbox();
      const port = 20_000 + Math.floor(Math.random() * 40_000);
      const code = "require('http').createServer((q, s) => s.end('hello from ' + process.env.HOSTNAME)).listen(+process.env.PORT, process.env.HOST, () => console.log('listening'))";
      const c = await start(sb, config({ argv: ['node', '-e', code], env: { HOST: sb.network.ip, PORT: String(port) } }));
      const body = await waitFor('the server', async () => {
        try {
          const res = await fetch(`http://${sb.network.ip}:${port}/`);
          return await res.text();
        } catch {
          return undefined;
        }
      });
      expect(body).toBe(`hello from ${sb.hostname}`);
      expect(rt.status(c.id).state).toBe('running');
      await rt.stopContainer(c.id, 2000);
      expect(logText(c.logPath)).toMatch(/ stdout F listening\n/);
      await remove(c.id);
    });

    it('writes stdout and stderr to the log in CRI format; exit codes 0 and 3', async () => {
      const sb = sandbox();
      const ok = await start(sb, config({ argv: ['sh', '-c', 'echo out-line; echo err-line >&2; echo second; printf no-newline'] }));
      const fail = await start(sb, config({ argv: ['sh', '-c', 'echo failing; exit 3'] }));
      const a = await exited(ok.id);
      expect(a).toMatchObject({ exitCode: 0, reason: 'Completed' });
      expect(a.signal).toBeUndefined();
      expect(a.finishedAt).toBeGreaterThanOrEqual(a.startedAt);
      const lines = logLines(ok.logPath);
      expect(lines).toEqual(
        expect.arrayContaining([
          { time: expect.any(String), stream: 'stdout', partial: false, content: 'out-line' },
          { time: expect.any(String), stream: 'stderr', partial: false, content: 'err-line' },
          { time: expect.any(String), stream: 'stdout', partial: false, content: 'second' },
          { time: expect.any(String), stream: 'stdout', partial: false, content: 'no-newline' },
        ]),
      );
      expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.content)).toEqual(['out-line', 'second', 'no-newline']);
      expect(logText(ok.logPath)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F out-line$/m);
      const b = await exited(fail.id);
      expect(b).toMatchObject({ exitCode: 3, reason: 'Error' });
      expect(b.signal).toBeUndefined();
      await remove(ok.id);
      await remove(fail.id);
      expect(rt.status(ok.id)).toEqual({ state: 'unknown' });
    });

    it('reports the signal of a SIGKILLed container', async () => {
      const sb = sandbox();
      const c = await start(sb, config({ argv: ['sleep', '30'] }));
      const changes: string[] = [];
      rt.onChange((id) => changes.push(id));
      await rt.stopContainer(c.id, 0);
      const s = await exited(c.id);
      expect(s).toMatchObject({ exitCode: 137, signal: 'SIGKILL', reason: 'Error' });
      expect(changes).toContain(c.id);
      await remove(c.id);
    });

    it('stopContainer lets a SIGTERM handler finish', async () => {
      const sb = sandbox();
      const code = "process.on('SIGTERM', () => { console.log('got TERM'); process.exit(0) }); console.log('ready'); setInterval(() => {}, 1000)";
      const c = await start(sb, config({ argv: ['node', '-e', code] }));
      await waitFor('ready', () => logText(c.logPath).includes('ready'));
      const t0 = Date.now();
      await rt.stopContainer(c.id, 10_000);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(rt.status(c.id)).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
      expect(logText(c.logPath)).toContain('stdout F got TERM');
      await remove(c.id);
    });

    it('stopContainer escalates to SIGKILL after the grace period', async () => {
      const sb = sandbox();
      const code = "process.on('SIGTERM', () => console.log('ignoring TERM')); console.log('ready'); setInterval(() => {}, 1000)";
      const c = await start(sb, config({ argv: ['node', '-e', code] }));
      await waitFor('ready', () => logText(c.logPath).includes('ready'));
      const t0 = Date.now();
      await rt.stopContainer(c.id, 700);
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(650);
      expect(took).toBeLessThan(5000);
      expect(rt.status(c.id)).toMatchObject({ state: 'exited', exitCode: 137, signal: 'SIGKILL' });
      await waitFor('the TERM handler output', () => logText(c.logPath).includes('ignoring TERM'), 2000);
      await remove(c.id);
    });

    it('OOMKills a container over its memory limit (when limits are enforced)', async (ctx) => {
      if (!(await rt.info()).enforcesLimits) {
        console.log(`[runtime tests] ${kind.name}: limits not enforced (not root or no cgroups), skipping the OOM case`);
        ctx.skip();
      }
      const sb = sandbox();
      const code = "const a = []; for (let i = 0; i < 200; i++) a.push(Buffer.alloc(1 << 20, 1)); console.log('survived')";
      const c = await start(sb, config({ argv: ['node', '-e', code], resources: { memoryLimit: 64 * 1024 * 1024, cpuLimitMillis: 1000, cpuRequestMillis: 100 } }));
      const s = await exited(c.id, 30_000);
      expect(s).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
      expect(logText(c.logPath)).not.toContain('survived');
      await remove(c.id);
    });

    it('a container under its limits is not OOMKilled, even when SIGKILLed', async () => {
      const sb = sandbox();
      const c = await start(sb, config({ argv: ['sleep', '30'], resources: { memoryLimit: 64 * 1024 * 1024 } }));
      await rt.stopContainer(c.id, 0);
      expect(await exited(c.id)).toMatchObject({ exitCode: 137, reason: 'Error', signal: 'SIGKILL' });
      await remove(c.id);
    });

    it('exec returns output and exit code, and times out', async () => {
      const sb = sandbox();
      const c = await start(sb, config({ argv: ['sleep', '30'] }));
      const r = await rt.exec(c.id, ['sh', '-c', 'echo hello-exec; echo oops >&2; exit 2'], 10_000);
      expect(r).toEqual({ exitCode: 2, stdout: 'hello-exec\n', stderr: 'oops\n', timedOut: false });
      if (kind.namespaces) {
        const h = await rt.exec(c.id, ['hostname'], 10_000);
        expect(h.stdout.trim()).toBe(sb.hostname);
        // The exec'd process shares the container's pid namespace: sleep is pid 1.
        const ps = await rt.exec(c.id, ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], 10_000);
        expect(ps.stdout).toContain('sleep 30');
      }
      const t0 = Date.now();
      const slow = await rt.exec(c.id, ['sleep', '10'], 300);
      expect(slow.timedOut).toBe(true);
      expect(Date.now() - t0).toBeLessThan(5000);
      await rt.stopContainer(c.id, 0);
      await remove(c.id);
    });

    it('makes volume mounts visible at containerPath (rewritten paths in limited mode)', async () => {
      const sb = sandbox();
      const host = join(dir, `vol-${rand()}`);
      const hostRo = join(dir, `vol-ro-${rand()}`);
      mkdirSync(host);
      mkdirSync(hostRo);
      writeFileSync(join(host, 'hello.txt'), 'hello from the volume\n');
      writeFileSync(join(hostRo, 'ro.txt'), 'read only\n');
      // A mount point that does not exist on the host: the process runtime creates it and removes it again.
      const top = `/gitplane-it-${rand()}`;
      mountRoots.push(top);
      const cp = `${top}/data`;
      const cpRo = `${top}/ro`;
      const script = 'cat "$1"; cat "$DATA_DIR/hello.txt"; echo written > "$DATA_DIR/out.txt"; cat "$2"; if echo x 2>/dev/null > "$2.new"; then echo ro-writable; else echo ro-refused; fi';
      const c = await start(
        sb,
        config({
          argv: ['sh', '-c', script, 'sh', `${cp}/hello.txt`, `${cpRo}/ro.txt`],
          env: { DATA_DIR: cp },
          mounts: [
            { hostPath: host, containerPath: cp, readOnly: false },
            { hostPath: hostRo, containerPath: cpRo, readOnly: true },
          ],
        }),
      );
      const s = await exited(c.id);
      const out = logLines(c.logPath).map((l) => l.content);
      expect(s.exitCode, out.join('\n')).toBe(0);
      expect(out.filter((l) => l === 'hello from the volume')).toHaveLength(2);
      expect(out).toContain('read only');
      expect(readFileSync(join(host, 'out.txt'), 'utf8')).toBe('written\n');
      // Read-only is enforced only where there is a real mount.
      expect(out).toContain(kind.namespaces ? 'ro-refused' : 'ro-writable');
      await remove(c.id);
      expect(existsSync(top)).toBe(false);
    });

    it('sets the environment (HOSTNAME, PATH) and the working dir', async () => {
      const sb = sandbox();
      const wd = join(dir, `wd-${rand()}`);
      mkdirSync(wd);
      const c = await start(sb, config({ argv: ['sh', '-c', 'echo "host=$HOSTNAME"; echo "foo=$FOO"; pwd; test -n "$PATH" && echo has-path'], env: { FOO: 'bar baz' }, mounts: [{ hostPath: wd, containerPath: '/work-dir', readOnly: false }], workingDir: '/work-dir' }));
      await exited(c.id);
      const out = logLines(c.logPath).map((l) => l.content);
      expect(out).toEqual([`host=${sb.hostname}`, 'foo=bar baz', kind.namespaces ? '/work-dir' : wd, 'has-path']);
      await remove(c.id);
      if (!kind.runc && kind.namespaces) expect(existsSync('/work-dir')).toBe(false);
    });

    it('a runtime restarted on the same stateDir adopts a running container and reports its exit code', async () => {
      const sb = sandbox();
      const ctl = join(dir, `ctl-${rand()}`);
      mkdirSync(ctl);
      const c = await start(
        sb,
        config({
          argv: ['sh', '-c', 'echo started; while [ ! -e "$1" ]; do sleep 0.05; done; echo finishing; exit 7', 'sh', '/gitplane-ctl/go'],
          mounts: [{ hostPath: ctl, containerPath: '/gitplane-ctl', readOnly: true }],
        }),
      );
      await waitFor('started', () => logText(c.logPath).includes('started'));
      await rt.close();
      // The agent is gone; the container is not.
      const rt2 = kind.make(stateDir);
      runtimes.push(rt2);
      rt = rt2;
      expect(rt2.list()).toContain(c.id);
      expect(rt2.status(c.id).state).toBe('running');
      const changed = new Promise<string>((resolve) => rt2.onChange(resolve));
      writeFileSync(join(ctl, 'go'), '');
      expect(await changed).toBe(c.id);
      expect(rt2.status(c.id)).toMatchObject({ state: 'exited', exitCode: 7, reason: 'Error' });
      // The log readers were re-attached.
      expect(logLines(c.logPath).map((l) => l.content)).toEqual(['started', 'finishing']);
      // And an exited container is still known after another restart.
      await rt2.close();
      const rt3 = kind.make(stateDir);
      runtimes.push(rt3);
      rt = rt3;
      await waitFor('adopted exit', () => rt3.status(c.id).state === 'exited');
      expect(rt3.status(c.id)).toMatchObject({ state: 'exited', exitCode: 7 });
      await remove(c.id);
    });

    it('start latency (p50 of 20 starts)', async () => {
      const sb = sandbox();
      const startMs: number[] = [];
      const firstOutputMs: number[] = [];
      for (let i = 0; i < 20; i++) {
        const c = config({ argv: ['sh', '-c', 'echo up'] });
        const t0 = Date.now();
        const h0 = performance.now();
        await start(sb, c);
        startMs.push(performance.now() - h0);
        await exited(c.id);
        const first = logLines(c.logPath)[0];
        expect(first.content).toBe('up');
        firstOutputMs.push(new Date(first.time).getTime() + Number(first.time.slice(23, 29)) / 1e6 - t0);
        await remove(c.id);
      }
      const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1);
      console.log(`[runtime tests] ${kind.name}: startContainer() p50 ${p50(startMs)} ms; start → first output line p50 ${p50(firstOutputMs)} ms (20 starts)`);
    });

    if (kind.runc) {
      it('imports a docker-save tarball and runs it', async () => {
        const images = kind.images!();
        const builtin = await images.resolve('busybox');
        const work = join(dir, `image-${rand()}`);
        for (const l of ['l1', 'l2', 'l3', 'l2/rootfs/opt', 'l2/rootfs/etc', 'l3/rootfs/opt', 'l3/rootfs/etc']) mkdirSync(join(work, l), { recursive: true });
        writeFileSync(join(work, 'l2/rootfs/opt/old.txt'), 'old');
        writeFileSync(join(work, 'l2/rootfs/etc/extra.txt'), 'extra');
        writeFileSync(join(work, 'l3/rootfs/opt/.wh..wh..opq'), '');
        writeFileSync(join(work, 'l3/rootfs/opt/new.txt'), 'new');
        writeFileSync(join(work, 'l3/rootfs/etc/.wh.group'), '');
        writeFileSync(join(work, 'l3/rootfs/etc/imported'), 'imported-layer\n');
        execFileSync('tar', ['-cf', join(work, 'l1/layer.tar'), '-C', builtin.rootfs, '.']);
        execFileSync('tar', ['-cf', join(work, 'l2/layer.tar'), '-C', join(work, 'l2/rootfs'), '.']);
        execFileSync('tar', ['-cf', join(work, 'l3/layer.tar'), '-C', join(work, 'l3/rootfs'), '.']);
        const cmd = 'cat /etc/imported; ls /opt; test -e /etc/group || echo no-group; test -e /etc/extra.txt && echo has-extra; echo "v=$IMAGE_VAR"; pwd';
        writeFileSync(
          join(work, 'config.json'),
          JSON.stringify({
            architecture: 'amd64',
            os: 'linux',
            config: { Env: ['PATH=/bin:/usr/bin', 'IMAGE_VAR=from-image'], Cmd: ['sh', '-c', cmd], WorkingDir: '/opt', Labels: { 'io.gitplane.host-usr': 'true' } },
            rootfs: { type: 'layers', diff_ids: [] },
          }),
        );
        writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['test/imported:v1'], Layers: ['l1/layer.tar', 'l2/layer.tar', 'l3/layer.tar'] }]));
        execFileSync('tar', ['-cf', join(work, 'image.tar'), '-C', work, 'manifest.json', 'config.json', 'l1/layer.tar', 'l2/layer.tar', 'l3/layer.tar']);
        const imported = await images.importArchive(join(work, 'image.tar'));
        expect(imported.map((i) => i.ref)).toEqual(['test/imported:v1']);
        expect((await images.resolve('test/imported:v1')).note).toBeUndefined();
        const sb = sandbox();
        const c = await start(sb, config({ image: 'test/imported:v1', argv: [] }));
        const s = await exited(c.id);
        const out = logLines(c.logPath).map((l) => l.content);
        expect(s.exitCode, out.join('\n')).toBe(0);
        expect(out).toEqual(['imported-layer', 'new.txt', 'no-group', 'has-extra', 'v=from-image', '/opt']);
        await remove(c.id);
        // An unknown image runs the builtin (no registry here), with a note.
        const unknown = await images.resolve('nginx:1.25');
        expect(unknown.ref).toBe('gitplane/busybox:latest');
        expect(unknown.note).toMatch(/no registry access/);
      });
    }

    it('leaves nothing behind', async () => {
      expect(rt.list()).toEqual([]);
      for (const sb of sandboxes) await rt.removeSandbox(sb);
      for (const pid of pidsSeen) {
        const st = procStat(pid);
        expect(st === undefined || st.state === 'Z', `pid ${pid} still running`).toBe(true);
      }
      for (const h of hierarchies()) {
        for (const sb of sandboxes) expect(existsSync(join(h, 'gitplane', sb.id)), `${h}/gitplane/${sb.id}`).toBe(false);
      }
      for (const m of mountRoots) expect(existsSync(m)).toBe(false);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
      if (kind.runc) {
        expect(runcStateIds(join(stateDir, 'runc'))).toEqual([]);
        expect(readdirSync(join(stateDir, 'bundles'))).toEqual([]);
        expect(readdirSync(join(stateDir, 'containers'))).toEqual([]);
        expect(readdirSync(join(BASE, 'data', 'images', 'containers'))).toEqual([]);
      } else {
        expect(readdirSync(stateDir)).toEqual([]);
      }
    });
  });
}
