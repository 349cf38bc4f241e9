// `gitplane token create|list|delete`: bearer tokens in the data dir's
// tokens.csv, mostly node join tokens: `create` appends one (with an expiry)
// and prints the `gitplane node` command that joins a machine with it; the
// running API server picks the change up without a restart.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { addToken, deleteToken, listTokens, type TokenEntry } from '../apiserver/auth.js';
import { examples } from '../cli/command.js';
import { apiTime as isoSeconds } from '../util/time.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like 24h, 90m, 1h30m, 7d or 45s in milliseconds; "0" is 0. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^0+$/.test(t)) return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) throw new Error(`invalid duration "${text}" (use e.g. 30m, 24h, 7d, 1h30m, or 0 for no expiry)`);
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNITS[m[2]];
  return Math.round(ms);
}

/** 90061000 → "1d1h1m"; for showing what is left of a token. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.floor(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.join('');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}


/** The URL of the data dir's running API server (its apiserver.json), if any. */
function recordedServerUrl(dataDir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dataDir, 'apiserver.json'), 'utf8')) as { url?: string }).url;
  } catch {
    return undefined;
  }
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || host.startsWith('127.');
  } catch {
    return false;
  }
}

interface CreateFlags {
  dataDir: string;
  name?: string;
  ttl: string;
  groups: string;
  server?: string;
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage bearer tokens (node join tokens) in the data dir');
  examples(token, [
    'gitplane token create --data-dir .gitplane --name worker-1 --ttl 24h',
    'gitplane token list --data-dir .gitplane',
    'gitplane token delete worker-1 --data-dir .gitplane',
  ]);

  const create = token
    .command('create')
    .description('create a node join token and print the `gitplane node` command that uses it')
    .option('--data-dir <dir>', 'the cluster data directory', '.gitplane')
    .option('--name <name>', 'name of the token, also the user it authenticates as (default: join-<random>)')
    .option('--ttl <duration>', 'how long the token is valid: 30m, 24h, 7d, … (0: never expires)', '24h')
    .option('--groups <groups>', 'comma-separated groups of the token user', 'system:nodes')
    .option('--server <url>', 'API server URL to print in the join command (default: the running server of the data dir)')
    .action((flags: CreateFlags) => {
      const dataDir = path.resolve(flags.dataDir);
      const ttl = parseDuration(flags.ttl);
      const name = flags.name ?? `join-${randomBytes(3).toString('hex')}`;
      const groups = flags.groups.split(',').map((g) => g.trim()).filter(Boolean);
      const entry = addToken(dataDir, { user: name, groups, ...(ttl > 0 ? { expiresAt: Math.ceil((Date.now() + ttl) / 1000) * 1000 } : {}) });
      const server = flags.server ?? recordedServerUrl(dataDir);
      const caFile = path.join(dataDir, 'pki', 'ca.crt');
      const expires = entry.expiresAt === undefined ? 'never expires' : `expires ${isoSeconds(entry.expiresAt)} (in ${formatDuration(ttl)})`;
      const out: string[] = [
        `token "${name}" created (user ${name}, groups ${groups.join(',') || '<none>'}; ${expires})`,
        '',
        `  ${entry.token}`,
        '',
      ];
      const cmd = ['gitplane', 'node', '--server', shellQuote(server ?? 'https://<server>:6443'), '--token', shellQuote(entry.token)];
      if (!server || server.startsWith('https://')) cmd.push('--ca-file', shellQuote(caFile));
      out.push(
        server?.startsWith('https://') || !server
          ? `To join a machine, copy ${caFile} to the same path there and run:`
          : 'To join a machine, run there:',
        '',
        `  ${cmd.join(' ')}`,
        '',
      );
      if (!server) out.push(`Note: no running API server is recorded in ${path.join(dataDir, 'apiserver.json')}; pass --server <url> to print its address.`);
      else if (server.startsWith('http://')) out.push('Note: this server runs with --insecure-http and authenticates nobody; the token only matters once it serves https.');
      else if (isLoopback(server)) {
        const port = new URL(server).port || '443';
        out.push(
          `Note: the API server listens on ${new URL(server).hostname} only. From another machine, forward the port first`,
          `(ssh -N -L ${port}:127.0.0.1:${port} <this host>, run on that machine), or pass --server with an address it can reach.`,
        );
      }
      console.log(out.join('\n').replace(/\n+$/, ''));
    });
  examples(create, [
    '# a join token valid for one day (the default --ttl)',
    'gitplane token create --data-dir .gitplane --name worker-1',
    '# a week-long token for several nodes, printing the address they reach the server at',
    'gitplane token create --name rack-2 --ttl 7d --server https://10.0.0.1:6443',
    '# a token that never expires, for a controller-manager replica',
    'gitplane token create --name cm-2 --ttl 0 --groups system:kube-controller-manager',
  ]);

  const list = token
    .command('list')
    .description("list the data dir's tokens (names, groups, expiry; not the secrets)")
    .option('--data-dir <dir>', 'the cluster data directory', '.gitplane')
    .action((flags: { dataDir: string }) => {
      const now = Date.now();
      const rows = listTokens(path.resolve(flags.dataDir)).map((e: TokenEntry) => [
        e.user.name,
        e.user.groups.join(',') || '<none>',
        e.expiresAt === undefined ? '<never>' : isoSeconds(e.expiresAt),
        e.expiresAt === undefined ? '<forever>' : e.expiresAt > now ? formatDuration(e.expiresAt - now) : '<expired>',
      ]);
      const table = [['NAME', 'GROUPS', 'EXPIRES', 'TTL'], ...rows];
      const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
      for (const r of table) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('   '));
    });
  examples(list, ['gitplane token list --data-dir .gitplane']);

  const del = token
    .command('delete')
    .description('delete a token; a running API server refuses it within a second')
    .argument('<name>', 'the token name (as `gitplane token list` shows)')
    .option('--data-dir <dir>', 'the cluster data directory', '.gitplane')
    .action((name: string, flags: { dataDir: string }) => {
      if (deleteToken(path.resolve(flags.dataDir), name) === 0) throw new Error(`no token named "${name}" in ${path.resolve(flags.dataDir, 'tokens.csv')}`);
      console.log(`token "${name}" deleted`);
    });
  examples(del, ['gitplane token delete worker-1 --data-dir .gitplane']);
}
