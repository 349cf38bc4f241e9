// Test helpers around the real `git` CLI: build repositories the way a user
// would (init -b main, commit with an explicit identity), and serve bare
// repositories over smart HTTP with basic auth through `git http-backend` (CGI).

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** An environment where only the test's settings count (no user or system git config). */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

const IDENTITY = ['-c', 'user.name=Test User', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false'];

/** Run git synchronously in `cwd`; returns trimmed stdout. Never use against an in-process HTTP server. */
export function gitSync(cwd: string, ...args: string[]): string {
  return gitSyncEnv(cwd, {}, ...args);
}

/** gitSync with extra environment variables (e.g. GIT_COMMITTER_DATE). */
export function gitSyncEnv(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, env: { ...GIT_ENV, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Environment pinning author and committer time to `epochSeconds`. */
export function dateEnv(epochSeconds: number): NodeJS.ProcessEnv {
  const date = `${epochSeconds} +0000`;
  return { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
}

/** Run git without blocking the event loop (needed when the server is in this process). */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', [...IDENTITY, ...args], { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 << 20 });
  return stdout.trim();
}

export function tempDir(prefix = 'gitplane-git-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestRepo {
  dir: string;
  git(...args: string[]): string;
  /** Write (or, with null, delete) files, relative to the repository. */
  write(files: Record<string, string | null>): void;
  /** Write files, `git add -A`, commit (at `date`, epoch seconds, when given); returns the new HEAD SHA. */
  commit(message: string, files?: Record<string, string | null>, date?: number): string;
  head(): string;
}

/** `git init -b main` (optionally `--bare`) in a fresh directory under `parent`. */
export function initRepo(parent: string, name = 'repo', opts: { bare?: boolean } = {}): TestRepo {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir, { recursive: true });
  gitSync(dir, 'init', '-q', '-b', 'main', ...(opts.bare ? ['--bare'] : []));
  const repo: TestRepo = {
    dir,
    git: (...args) => gitSync(dir, ...args),
    write(files) {
      for (const [rel, content] of Object.entries(files)) {
        const file = path.join(dir, rel);
        if (content === null) fs.rmSync(file, { force: true });
        else {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, content);
        }
      }
    },
    commit(message, files = {}, date) {
      repo.write(files);
      gitSync(dir, 'add', '-A');
      gitSyncEnv(dir, date === undefined ? {} : dateEnv(date), 'commit', '-q', '--allow-empty', '-m', message);
      return repo.head();
    },
    head: () => gitSync(dir, 'rev-parse', 'HEAD'),
  };
  return repo;
}

export interface GitHttpServer {
  /** http://127.0.0.1:<port>/<name> for a repository directory under root. */
  url(name: string): string;
  port: number;
  /** Requests seen, e.g. "GET /repo.git/info/refs 401". */
  log: string[];
  close(): Promise<void>;
}

function gitExecPath(): string {
  return execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim();
}

/**
 * Serve every repository under `root` over smart HTTP on 127.0.0.1 (port 0), one
 * `git http-backend` per request. With `users`, basic auth is required (push included).
 */
export async function serveGitHttp(root: string, users?: Record<string, string>): Promise<GitHttpServer> {
  const backend = path.join(gitExecPath(), 'git-http-backend');
  const children = new Set<ChildProcess>();
  const log: string[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let user = '';
    if (users) {
      const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      const [name, ...rest] = m ? Buffer.from(m[1], 'base64').toString('utf8').split(':') : [];
      if (!m || users[name] === undefined || users[name] !== rest.join(':')) {
        log.push(`${req.method} ${url.pathname} 401`);
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
        res.end('authentication required\n');
        req.resume();
        return;
      }
      user = name;
    }
    const child = spawn(backend, [], {
      env: {
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        REQUEST_METHOD: req.method ?? 'GET',
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: user || 'anonymous',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    child.on('error', () => children.delete(child));
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);

    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const key = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[key] = value;
      }
      log.push(`${req.method} ${url.pathname} ${status}`);
      res.writeHead(status, headers);
      res.write(head.subarray(end + sep));
    });
    child.stdout.on('end', () => {
      if (!headersDone) {
        log.push(`${req.method} ${url.pathname} 502`);
        res.writeHead(502);
      }
      res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    log,
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    async close() {
      for (const child of children) if (child.pid) process.kill(child.pid, 'SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
