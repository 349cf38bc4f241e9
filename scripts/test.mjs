#!/usr/bin/env node
// `npm test`: make sure the system parts the suites need are here (installing
// them with apt when running as root), tell the tests where they are through
// environment variables, run vitest, and finish with one plain line:
//
//   tests: N passed, N failed, N skipped
//
// A part that is missing and cannot be installed makes its suites skip, with
// the reason printed, except under CI=true, where it is a failure: CI never
// skips silently. Every external command has a timeout.
//
// Usage: node scripts/test.mjs [vitest args…]   (e.g. test/unit/storage/etcd)

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache');
const CI = process.env.CI === 'true';
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const APT_TIMEOUT_MS = Number(process.env.GITPLANE_APT_TIMEOUT_MS ?? 5 * 60_000);
const VITEST_TIMEOUT_MS = Number(process.env.GITPLANE_TEST_TIMEOUT_MS ?? 60 * 60_000);

// ---------------------------------------------------------------------------
// The system parts. Each entry: how to find it, how to install it, the env
// var that hands its path to the tests, and the env var that tells the
// suites needing it to skip (set to the reason).

/** @typedef {{ name: string, suites: string, hint: string, env: string, skipEnv: string,
 *   find: () => string | undefined, install?: () => string | undefined }} Part
 * A path already set in `env` is used as it is (and never installed over). */

/** @type {Part[]} */
const PARTS = [
  {
    name: 'etcd',
    suites: 'store conformance against real etcd and the etcd backend tests',
    hint: 'run as root or apt-get install etcd-server',
    env: 'GITPLANE_ETCD_BIN',
    skipEnv: 'GITPLANE_SKIP_ETCD',
    find: () => onPath('etcd') ?? executable('/usr/bin/etcd'),
    install: () => aptInstall('etcd-server'),
  },
  {
    name: 'kubectl 1.20',
    suites: 'kubectl 1.20 compatibility tests',
    hint: "needs apt-get download kubernetes-client (Debian's kubectl 1.20)",
    env: 'GITPLANE_KUBECTL_120',
    skipEnv: 'GITPLANE_SKIP_KUBECTL_120',
    // /usr/bin/kubectl may be another kubectl (google-cloud-cli's): extract
    // Debian's 1.20 into .cache/kubectl instead of installing the package.
    find: () => executable(join(CACHE, 'kubectl', 'usr', 'bin', 'kubectl')),
    install: () => aptExtract('kubernetes-client', join(CACHE, 'kubectl')),
  },
  {
    name: 'kubectl',
    suites: "kubectl e2e tests with the image's kubectl",
    hint: "the image's kubectl (google-cloud-cli's dispatcher) should be on PATH",
    env: 'GITPLANE_KUBECTL',
    skipEnv: 'GITPLANE_SKIP_KUBECTL',
    // Comes with the image; never installed (apt's kubernetes-client is 1.20, above).
    find: () => onPath('kubectl') ?? executable('/usr/bin/kubectl'),
  },
  {
    name: 'runc',
    suites: 'runc runtime tests (test/integration/node/runtime.test.ts)',
    hint: 'run as root or apt-get install runc',
    env: 'GITPLANE_RUNC_BIN',
    skipEnv: 'GITPLANE_SKIP_RUNC',
    find: () => onPath('runc') ?? executable('/usr/sbin/runc') ?? executable('/usr/bin/runc'),
    install: () => aptInstall('runc'),
  },
  {
    name: 'busybox-static',
    suites: 'builtin busybox image and runc runtime tests (test/integration/node/runtime.test.ts)',
    hint: 'run as root or apt-get install busybox-static',
    env: 'GITPLANE_BUSYBOX',
    skipEnv: 'GITPLANE_SKIP_BUSYBOX',
    find: () => executable('/bin/busybox') ?? executable('/usr/bin/busybox'),
    install: () => aptInstall('busybox-static'),
  },
];

// ---------------------------------------------------------------------------
// Finding things

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// apt, always with a timeout and never interactive

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
const APT_OPTS = ['-q', '-y', '-o', 'DPkg::Lock::Timeout=120', '-o', 'Dpkg::Use-Pty=0'];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: APT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: APT_ENV,
    ...opts,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) return { ok: false, out: `${out}\n${r.error.message}` };
  if (r.signal) return { ok: false, out: `${out}\n${cmd} killed by ${r.signal} (timeout ${APT_TIMEOUT_MS} ms?)` };
  return { ok: r.status === 0, out };
}

const NOT_FOUND = /Unable to locate package|has no installation candidate|Can't select candidate|404\s+Not Found|Failed to fetch/;
let aptUpdated = false;

function aptUpdate() {
  if (aptUpdated) return true;
  aptUpdated = true;
  log('apt-get update');
  const r = run('apt-get', ['-q', 'update']);
  if (!r.ok) log(`apt-get update failed:\n${tail(r.out)}`);
  return r.ok;
}

/** apt-get install; runs apt-get update first only when the package was not found. Returns an error or undefined. */
function aptInstall(pkg) {
  if (!IS_ROOT) return 'not root';
  if (!onPath('apt-get')) return 'apt-get not available';
  log(`apt-get install ${pkg}`);
  let r = run('apt-get', [...APT_OPTS, 'install', '--no-install-recommends', pkg]);
  if (!r.ok && NOT_FOUND.test(r.out) && aptUpdate()) {
    r = run('apt-get', [...APT_OPTS, 'install', '--no-install-recommends', pkg]);
  }
  return r.ok ? undefined : `apt-get install ${pkg} failed:\n${tail(r.out)}`;
}

/** Download a .deb with apt-get and unpack it under `dest` (no root needed unless apt lists are stale). */
function aptExtract(pkg, dest) {
  if (!onPath('apt-get') || !onPath('dpkg-deb')) return 'apt-get/dpkg-deb not available';
  const work = mkdtempSync(join(tmpdir(), 'gitplane-deb-'));
  try {
    log(`apt-get download ${pkg}`);
    let r = run('apt-get', ['-q', 'download', pkg], { cwd: work });
    if (!r.ok && NOT_FOUND.test(r.out) && IS_ROOT && aptUpdate()) {
      r = run('apt-get', ['-q', 'download', pkg], { cwd: work });
    }
    if (!r.ok) return `apt-get download ${pkg} failed:\n${tail(r.out)}`;
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) return `apt-get download ${pkg} produced no .deb`;
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    const x = run('dpkg-deb', ['-x', join(work, deb), dest]);
    return x.ok ? undefined : `dpkg-deb -x ${deb} failed:\n${tail(x.out)}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

function log(msg) {
  process.stderr.write(`[test] ${msg}\n`);
}

function tail(text, lines = 15) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Find or install every part; set env vars. Returns the failures that must stop a CI run. */
function prepareParts(env) {
  const fatal = [];
  for (const part of PARTS) {
    const explicit = process.env[part.env];
    let path = explicit ? executable(explicit) : part.find();
    let installError = explicit && !path ? `${part.env}=${explicit} is not an executable file` : undefined;
    if (!path && !explicit && part.install) {
      installError = part.install();
      path = part.find();
    }
    if (path) {
      env[part.env] = path;
      delete env[part.skipEnv];
      continue;
    }
    const why = !installError || installError === 'not root' ? `${part.name} not installed (${part.hint})` : installError;
    if (CI) {
      fatal.push(`${part.name} is missing and CI=true, so the ${part.suites} cannot be skipped: ${why}`);
    } else {
      log(`skipping ${part.suites}: ${why}`);
      env[part.skipEnv] = why.split('\n')[0];
      delete env[part.env];
    }
  }
  return fatal;
}

function summarize(jsonPath) {
  try {
    const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
    return {
      passed: report.numPassedTests ?? 0,
      failed: report.numFailedTests ?? 0,
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
      failedFiles: report.numFailedTestSuites ?? 0,
      total: report.numTotalTests ?? 0,
    };
  } catch {
    return undefined;
  }
}

async function main() {
  const env = { ...process.env };
  const fatal = prepareParts(env);
  if (fatal.length > 0) {
    for (const f of fatal) log(`ERROR: ${f}`);
    process.exitCode = 1;
    return;
  }

  // The e2e suites run the real `gitplane` binary (bin/gitplane.js → dist/): build it from
  // the sources under test first, so a stale dist/ is never what gets tested.
  const tscBin = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tscBin, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit', timeout: 180_000 });
  if (build.status !== 0) {
    log(`building dist/ failed (exit ${build.status ?? build.signal}); the e2e suites need bin/gitplane.js`);
    process.exitCode = 1;
    return;
  }

  const outDir = mkdtempSync(join(tmpdir(), 'gitplane-vitest-'));
  const jsonPath = join(outDir, 'report.json');
  const vitestBin = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  if (!existsSync(vitestBin)) {
    log(`vitest is not installed (${vitestBin} missing): run npm ci`);
    process.exitCode = 1;
    return;
  }
  const args = [
    vitestBin,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${jsonPath}`,
    ...process.argv.slice(2),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' });
  const forward = (sig) => () => {
    try {
      child.kill(sig);
    } catch {
      // gone
    }
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    log(`vitest ran longer than ${VITEST_TIMEOUT_MS} ms: stopping it`);
    forward('SIGTERM')();
    setTimeout(forward('SIGKILL'), 10_000).unref();
  }, VITEST_TIMEOUT_MS);
  timer.unref();

  const code = await new Promise((res) => {
    child.on('exit', (c, s) => res(c ?? (s ? 1 : 0)));
    child.on('error', (err) => {
      log(`could not run vitest: ${err.message}`);
      res(1);
    });
  });
  clearTimeout(timer);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);

  const sum = summarize(jsonPath);
  rmSync(outDir, { recursive: true, force: true });
  let exit = code;
  if (!sum) {
    log('vitest wrote no JSON report');
    if (exit === 0) exit = 1;
  } else {
    if (sum.failedFiles > 0 && sum.failed === 0) log(`${sum.failedFiles} test file(s) failed to run`);
    if (sum.total === 0 || sum.passed + sum.failed === 0) {
      log('no test ran');
      if (exit === 0) exit = 1;
    }
    if (sum.failed > 0 && exit === 0) exit = 1;
  }
  if (timedOut && exit === 0) exit = 1;
  const s = sum ?? { passed: 0, failed: 0, skipped: 0 };
  process.stdout.write(`tests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  process.exitCode = exit;
}

await main();
