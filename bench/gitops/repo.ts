// Benchmark repositories made with the real git CLI: N manifests (mostly
// ConfigMaps, some Services, paused Deployments and Secrets) in directories of
// at most 100 files, one initial commit, packed with `git gc` as a cloned
// repository would be, auto-gc off so later commits stay cheap and loose.
// Every git call is an async child process: the API server shares this
// process, and a synchronous spawn would block it.

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
const IDENTITY = ['-c', 'user.name=Bench Bot', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', '-c', 'gc.auto=0'];

export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', [...IDENTITY, ...args], { cwd, env: GIT_ENV, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** Run a shell pipeline, counting the bytes it writes (stdout is consumed, not kept). */
export function pipeline(cwd: string, script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -o pipefail; ${script}`], { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (c: Buffer) => (bytes += c.length));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`${script} exited ${code}: ${err}`))));
  });
}

export type ManifestKind = 'ConfigMap' | 'Service' | 'Deployment' | 'Secret';

/** Per 50 manifests: 2 Services, 2 Deployments, 1 Secret, 45 ConfigMaps. */
export function kindOf(i: number): ManifestKind {
  const r = i % 50;
  return r < 2 ? 'Service' : r < 4 ? 'Deployment' : r === 4 ? 'Secret' : 'ConfigMap';
}

export function nameOf(i: number): string {
  const n = String(i).padStart(5, '0');
  return { ConfigMap: `cm-${n}`, Service: `svc-${n}`, Deployment: `deploy-${n}`, Secret: `secret-${n}` }[kindOf(i)];
}

export function fileOf(i: number): string {
  return `d${String(Math.floor(i / 100)).padStart(3, '0')}/${nameOf(i)}.yaml`;
}

function manifest(i: number): string {
  const name = nameOf(i);
  const labels = `  labels:\n    app.kubernetes.io/part-of: gitops-bench\n    shard: "${i % 16}"\n`;
  switch (kindOf(i)) {
    case 'Service':
      return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n${labels}spec:\n  selector:\n    app: ${name}\n  ports:\n    - name: http\n      port: 80\n      targetPort: 8080\n`;
    case 'Deployment':
      // Paused: no controllers run in this benchmark, and a sync waits for health;
      // a paused Deployment is Suspended, which a sync wave accepts.
      return (
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${labels}spec:\n  paused: true\n  replicas: 1\n` +
        `  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n` +
        `    spec:\n      containers:\n        - name: main\n          image: busybox:1.36\n          command: ["sleep", "3600"]\n` +
        `          env:\n            - name: INDEX\n              value: "${i}"\n          resources:\n            requests:\n              cpu: 10m\n              memory: 16Mi\n`
      );
    case 'Secret':
      return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n${labels}type: Opaque\nstringData:\n  password: "bench-${i}"\n`;
    case 'ConfigMap':
      return (
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${labels}data:\n  value: "0"\n  index: "${i}"\n` +
        `  settings.yaml: |\n    replicas: ${1 + (i % 5)}\n    logLevel: info\n    featureFlags: [alpha, beta]\n    endpoint: http://svc-${String(i - (i % 50)).padStart(5, '0')}:80/\n`
      );
  }
}

/** Write `count` manifests into a fresh repo at `dir`, commit them, pack; returns HEAD. */
export async function createRepo(dir: string, count: number): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const dirs = new Set<string>();
  for (let i = 0; i < count; i++) dirs.add(path.dirname(fileOf(i)));
  for (const d of dirs) await fs.mkdir(path.join(dir, d), { recursive: true });
  const writes: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    writes.push(fs.writeFile(path.join(dir, fileOf(i)), manifest(i)));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['config', 'gc.auto', '0']);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', `${count} manifests`]);
  await git(dir, ['gc', '-q']);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** Indexes of ConfigMaps, for one-line changes. */
export function configMapIndexes(count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (kindOf(i) === 'ConfigMap') out.push(i);
  return out;
}

/** Change the ConfigMap's `value:` line to `value`. */
export async function editValue(dir: string, i: number, value: string): Promise<void> {
  const file = path.join(dir, fileOf(i));
  const text = await fs.readFile(file, 'utf8');
  const next = text.replace(/^ {2}value: ".*"$/m, `  value: "${value}"`);
  if (next === text) throw new Error(`editing ${fileOf(i)} changed nothing`);
  await fs.writeFile(file, next);
}

/** `git commit -a`; returns its duration (ms) and the new HEAD, with t0 = when the commit command exited. */
export async function commitAll(dir: string, message: string): Promise<{ start: number; exit: number; sha: string }> {
  const start = performance.now();
  await git(dir, ['commit', '-q', '-a', '-m', message]);
  const exit = performance.now();
  return { start, exit, sha: await git(dir, ['rev-parse', 'HEAD']) };
}
