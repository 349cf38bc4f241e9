// Tokens: the token file format (kube-apiserver's --token-auth-file plus an
// expiry column), the authenticator's expiry and reloads on a fake clock, the
// `gitplane token` verbs on a temp data dir, and the connection flags.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TokenAuthenticator,
  addToken,
  deleteToken,
  ensureTokenFile,
  formatTokenLine,
  listTokens,
  parseCsvLine,
  parseTokenLine,
  readTokenFile,
} from '../../../src/apiserver/auth.js';
import { validateClientFlags } from '../../../src/cmd/client-flags.js';
import { formatDuration, parseDuration } from '../../../src/cmd/token.js';
import { FakeClock } from '../../../src/util/clock.js';
import { runGitplane } from './run-gitplane.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-token-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('durations', () => {
  it.each([
    ['24h', 86_400_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['45s', 45_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0', 0],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '24', 'h', '5x', '-1h', '1 h'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it('formats what is left, two units at most', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_061_000)).toBe('1d1h');
    expect(formatDuration(59_000)).toBe('59s');
  });
});

describe('token file lines', () => {
  it("reads kube-apiserver's format, with one group or a quoted list", () => {
    expect(parseTokenLine('t1,alice,uid-1,"system:nodes,dev"')).toEqual({
      token: 't1',
      user: { name: 'alice', uid: 'uid-1', groups: ['system:nodes', 'dev'] },
    });
    expect(parseTokenLine('t2,bob,bob,system:masters')?.user.groups).toEqual(['system:masters']);
    expect(parseTokenLine('t3,carol')).toEqual({ token: 't3', user: { name: 'carol', uid: 'carol', groups: [] } });
    // gitplane's older writer joined groups with ';'.
    expect(parseTokenLine('t4,dan,dan,a;b')?.user.groups).toEqual(['a', 'b']);
    expect(parseTokenLine('# token,user,uid,groups')).toBeUndefined();
    expect(parseTokenLine('   ')).toBeUndefined();
    expect(parseTokenLine('only-a-token')).toBeUndefined();
  });

  it('reads the expiry column; an unreadable one fails closed', () => {
    expect(parseTokenLine('t,n,n,g,2030-01-02T03:04:05Z')?.expiresAt).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(parseTokenLine('t,n,n,,2030-01-02T03:04:05Z')?.user.groups).toEqual([]);
    expect(parseTokenLine('t,n,n,g,not-a-time')?.expiresAt).toBe(0);
  });

  it('writes lines it reads back', () => {
    const entries = [
      { token: 'a', user: { name: 'n1', uid: 'n1', groups: ['system:nodes', 'x'] }, expiresAt: Date.UTC(2031, 5, 1) },
      { token: 'b', user: { name: 'n2', uid: 'u2', groups: [] } },
      { token: 'c', user: { name: 'n3', uid: 'n3', groups: ['g'] } },
    ];
    for (const e of entries) expect(parseTokenLine(formatTokenLine(e))).toEqual(e);
    expect(formatTokenLine(entries[0])).toBe('a,n1,n1,"system:nodes,x",2031-06-01T00:00:00Z');
    expect(parseCsvLine('a,"b ""q"", c",d')).toEqual(['a', 'b "q", c', 'd']);
  });
});

describe('TokenAuthenticator', () => {
  const bearer = (t: string): string => `Bearer ${t}`;

  it('refuses a token from its expiry on', () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const auth = new TokenAuthenticator(
      [
        { token: 'short', user: { name: 'n', uid: 'n', groups: [] }, expiresAt: Date.UTC(2030, 0, 1, 1) },
        { token: 'forever', user: { name: 'f', uid: 'f', groups: [] } },
      ],
      undefined,
      { clock },
    );
    expect(auth.authenticate(bearer('short'))?.name).toBe('n');
    clock.advance(3_600_000 - 1);
    expect(auth.authenticate(bearer('short'))?.name).toBe('n');
    clock.advance(1);
    expect(auth.authenticate(bearer('short'))).toBeUndefined();
    expect(auth.authenticate(bearer('forever'))?.name).toBe('f');
    expect(auth.authenticate('Basic Zm9vOmJhcg==')).toBeUndefined();
    expect(auth.authenticate(undefined)).toBeUndefined();
  });

  it('sees tokens added at once and deleted ones within the recheck interval', () => {
    const clock = new FakeClock();
    const { file, adminToken } = ensureTokenFile(dir);
    const auth = TokenAuthenticator.fromFile(file, { clock, recheckMs: 1000 });
    expect(auth.authenticate(bearer(adminToken))?.groups).toEqual(['system:masters']);
    const node = addToken(dir, { user: 'worker-1', groups: ['system:nodes'] });
    expect(auth.authenticate(bearer(node.token))).toEqual({ name: 'worker-1', uid: 'worker-1', groups: ['system:nodes'] });
    expect(deleteToken(dir, 'worker-1')).toBe(1);
    clock.advance(999);
    expect(auth.authenticate(bearer(node.token))?.name).toBe('worker-1');
    clock.advance(1);
    expect(auth.authenticate(bearer(node.token))).toBeUndefined();
    expect(auth.authenticate(bearer(adminToken))?.name).toBe('admin');
  });

  it('reads an expiry written into the file', () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    ensureTokenFile(dir);
    const t = addToken(dir, { user: 'temp', expiresAt: Date.UTC(2030, 0, 1, 0, 0, 10) });
    const auth = TokenAuthenticator.fromFile(path.join(dir, 'tokens.csv'), { clock });
    expect(auth.authenticate(`Bearer ${t.token}`)?.name).toBe('temp');
    clock.advance(10_000);
    expect(auth.authenticate(`Bearer ${t.token}`)).toBeUndefined();
  });
});

describe('token file management', () => {
  it('refuses duplicate names, bad names and deleting admin; keeps comments and mode', () => {
    addToken(dir, { user: 'a', groups: ['system:nodes'] });
    expect(() => addToken(dir, { user: 'a' })).toThrow(/already exists/);
    expect(() => addToken(dir, { user: 'has,comma' })).toThrow(/invalid token name/);
    expect(() => addToken(dir, { user: 'ok', groups: ['bad"group'] })).toThrow(/invalid group/);
    expect(() => deleteToken(dir, 'admin')).toThrow(/cannot be deleted/);
    expect(deleteToken(dir, 'nope')).toBe(0);
    expect(deleteToken(dir, 'a')).toBe(1);
    const file = path.join(dir, 'tokens.csv');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^# token,user,uid,groups/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readTokenFile(file).map((e) => e.user.name)).toEqual(['admin']);
  });
});

describe('gitplane token', () => {
  it('create prints the token and the join command with the server URL and CA of the data dir', async () => {
    fs.writeFileSync(path.join(dir, 'apiserver.json'), JSON.stringify({ url: 'https://127.0.0.1:16443', pid: 1 }));
    const res = await runGitplane(['token', 'create', '--data-dir', dir, '--name', 'worker-1', '--ttl', '2h', '--groups', 'system:nodes,extra']);
    expect(res.code).toBe(0);
    const entry = listTokens(dir).find((e) => e.user.name === 'worker-1')!;
    expect(entry.user.groups).toEqual(['system:nodes', 'extra']);
    expect(entry.expiresAt! - Date.now()).toBeGreaterThan(2 * 3_600_000 - 10_000);
    expect(entry.expiresAt! - Date.now()).toBeLessThanOrEqual(2 * 3_600_000 + 1000);
    expect(res.stdout).toContain(
      `gitplane node --server https://127.0.0.1:16443 --token ${entry.token} --ca-file ${path.join(dir, 'pki', 'ca.crt')}`,
    );
    expect(res.stdout).toMatch(/listens on 127\.0\.0\.1 only/);
  });

  it('create --server overrides the recorded URL; --ttl 0 never expires; a default name', async () => {
    const res = await runGitplane(['token', 'create', '--data-dir', dir, '--ttl', '0', '--server', 'https://10.1.2.3:6443']);
    expect(res.code).toBe(0);
    const entry = listTokens(dir).find((e) => e.user.name !== 'admin')!;
    expect(entry.user.name).toMatch(/^join-[0-9a-f]{6}$/);
    expect(entry.expiresAt).toBeUndefined();
    expect(res.stdout).toContain(`--server https://10.1.2.3:6443 --token ${entry.token}`);
    expect(res.stdout).not.toMatch(/listens on/);
  });

  it('create refuses a bad --ttl and a taken name', async () => {
    expect((await runGitplane(['token', 'create', '--data-dir', dir, '--ttl', 'soon'])).stderr).toMatch(/invalid duration/);
    expect((await runGitplane(['token', 'create', '--data-dir', dir, '--name', 'x'])).code).toBe(0);
    const again = await runGitplane(['token', 'create', '--data-dir', dir, '--name', 'x']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('list shows names, groups and expiry but not the secrets; delete removes one', async () => {
    await runGitplane(['token', 'create', '--data-dir', dir, '--name', 'w1']);
    await runGitplane(['token', 'create', '--data-dir', dir, '--name', 'w2', '--ttl', '0', '--groups', 'a,b']);
    addToken(dir, { user: 'old', expiresAt: Date.now() - 1000 });
    const list = await runGitplane(['token', 'list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+GROUPS\s+EXPIRES\s+TTL$/);
    expect(lines.find((l) => l.startsWith('admin '))).toMatch(/system:masters\s+<never>\s+<forever>/);
    expect(lines.find((l) => l.startsWith('w1 '))).toMatch(/system:nodes\s+\d{4}-\d\d-\d\dT\S+Z\s+(23h59m|1d)$/);
    expect(lines.find((l) => l.startsWith('w2 '))).toMatch(/a,b\s+<never>/);
    expect(lines.find((l) => l.startsWith('old '))).toMatch(/<expired>/);
    for (const e of listTokens(dir)) expect(list.stdout).not.toContain(e.token);

    expect((await runGitplane(['token', 'delete', 'w1', '--data-dir', dir])).stdout).toContain('token "w1" deleted');
    expect(listTokens(dir).map((e) => e.user.name)).toEqual(['admin', 'w2', 'old']);
    const missing = await runGitplane(['token', 'delete', 'w1', '--data-dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no token named "w1"/);
    expect((await runGitplane(['token', 'delete', 'admin', '--data-dir', dir])).code).toBe(1);
  });
});

describe('connection flags', () => {
  it('reject combinations that make no sense', () => {
    const base = { dataDir: dir };
    expect(() => validateClientFlags({ ...base, token: 't' })).toThrow('--token needs --server');
    expect(() => validateClientFlags({ ...base, caFile: 'ca.crt' })).toThrow('--ca-file needs --server');
    expect(() => validateClientFlags({ ...base, server: 'https://x:1', kubeconfig: 'k' })).toThrow(/mutually exclusive/);
    expect(() => validateClientFlags({ ...base, server: 'https://x:1', caFile: 'ca', insecureSkipTlsVerify: true })).toThrow(/mutually exclusive/);
    expect(() => validateClientFlags({ ...base, server: 'https://x:1', caFile: path.join(dir, 'missing.crt') })).toThrow(/does not exist/);
    expect(() => validateClientFlags({ ...base, server: 'x:1' })).toThrow(/http/);
    expect(() => validateClientFlags({ ...base, server: 'https://x:1', token: 't', insecureSkipTlsVerify: true })).not.toThrow();
    expect(() => validateClientFlags(base)).not.toThrow();
  });

  it.each(['node', 'controller-manager', 'scheduler', 'gitops'])('%s takes the flags and refuses --token without --server before starting anything', async (verb) => {
    const res = await runGitplane([verb, '--data-dir', dir, '--token', 't']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/--token needs --server/);
  });
});

describe('--help', () => {
  it.each([
    'token',
    'token create',
    'token list',
    'token delete',
    'node',
    'store',
    'store status',
    'store compact',
    'store snapshot',
    'store restore',
    'server',
    'controller-manager',
    'scheduler',
    'gitops',
  ])('of %s has examples', async (verb) => {
    const res = await runGitplane([...verb.split(' '), '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\nExamples:\n {2}(#|\$ gitplane)/);
  });

  it('lists the connection flags of the components, gitops included, also through `help`', async () => {
    for (const args of [['node', '--help'], ['controller-manager', '--help'], ['scheduler', '--help'], ['gitops', '--help'], ['help', 'gitops']]) {
      const res = await runGitplane(args);
      expect(res.code, args.join(' ')).toBe(0);
      for (const flag of ['--server <url>', '--token <token>', '--ca-file <file>', '--insecure-skip-tls-verify', '--kubeconfig <file>']) {
        expect(res.stdout, `${args.join(' ')} ${flag}`).toContain(flag);
      }
    }
    expect((await runGitplane(['help', 'gitops'])).stdout).toContain('Examples:');
  });
});
