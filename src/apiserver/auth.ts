// Bearer-token authentication from a static token file, like
// kube-apiserver's --token-auth-file: one `token,user,uid[,groups[,expires]]`
// line each, where groups is one group or a quoted comma-separated list
// ("a,b"; `;` and `|` separate too) and expires, gitplane's addition, is an
// RFC 3339 time after which the token is refused (kube-apiserver ignores
// extra columns, so the file stays readable by it). The first start writes
// an admin token; `gitplane token create` appends more (node join tokens),
// `gitplane token delete` removes them. The authenticator rereads the file
// when it changes, so neither needs a restart.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../util/clock.js';

export interface User {
  name: string;
  uid: string;
  groups: string[];
}

/** One line of the token file. */
export interface TokenEntry {
  token: string;
  user: User;
  /** Milliseconds since the epoch after which the token is refused; absent: never expires. */
  expiresAt?: number;
}

export interface TokenAuthenticatorOptions {
  clock?: Clock;
  /**
   * How often an accepted token's file is checked for changes (default 1 s), so a
   * deleted token stops working soon after `gitplane token delete`. An unknown
   * token always triggers a check.
   */
  recheckMs?: number;
}

export class TokenAuthenticator {
  private entries: TokenEntry[];
  private fileStamp = '';
  private checkedAt = 0;
  private readonly clock: Clock;
  private readonly recheckMs: number;

  constructor(
    tokens: Map<string, User> | TokenEntry[],
    private readonly file?: string,
    options: TokenAuthenticatorOptions = {},
  ) {
    this.entries = Array.isArray(tokens) ? tokens : [...tokens].map(([token, user]) => ({ token, user }));
    this.clock = options.clock ?? systemClock;
    this.recheckMs = options.recheckMs ?? 1000;
    if (file) {
      this.fileStamp = stamp(file);
      this.checkedAt = this.clock.now();
    }
  }

  static fromFile(file: string, options: TokenAuthenticatorOptions = {}): TokenAuthenticator {
    return new TokenAuthenticator(readTokenFile(file), file, options);
  }

  /** Pick up tokens added to or removed from the file without a restart. */
  private reloadIfChanged(): boolean {
    if (!this.file) return false;
    this.checkedAt = this.clock.now();
    try {
      const now = stamp(this.file);
      if (now === this.fileStamp) return false;
      this.entries = readTokenFile(this.file);
      this.fileStamp = now;
      return true;
    } catch {
      return false;
    }
  }

  /** The user for an Authorization header, or undefined (unknown, malformed or expired token). */
  authenticate(header: string | undefined): User | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return undefined;
    if (this.file && this.clock.now() - this.checkedAt >= this.recheckMs) this.reloadIfChanged();
    const entry = this.lookup(m[1]) ?? (this.reloadIfChanged() ? this.lookup(m[1]) : undefined);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && !(this.clock.now() < entry.expiresAt)) return undefined;
    return entry.user;
  }

  private lookup(token: string): TokenEntry | undefined {
    const given = Buffer.from(token);
    let found: TokenEntry | undefined;
    // Compare against every entry (no early return) so timing says nothing about which matched.
    for (const e of this.entries) {
      const want = Buffer.from(e.token);
      if (want.length === given.length && timingSafeEqual(want, given) && !found) found = e;
    }
    return found;
  }
}

/** What identifies a version of the file: inode, size and mtime (a rewrite renames a new file in). */
function stamp(file: string): string {
  const st = fs.statSync(file, { bigint: true });
  return `${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** Split one CSV record, honouring double quotes ("a,b") and doubled quotes inside them. */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** Parse one line of the token file; undefined for blanks, comments and lines without token and user. */
export function parseTokenLine(line: string): TokenEntry | undefined {
  const t = line.trim();
  if (!t || t.startsWith('#')) return undefined;
  const [token, name, uid, groups, expires] = parseCsvLine(t);
  if (!token || !name) return undefined;
  const entry: TokenEntry = {
    token,
    user: { name, uid: uid || name, groups: groups ? groups.split(/[,;|]/).map((g) => g.trim()).filter(Boolean) : [] },
  };
  if (expires) {
    const at = Date.parse(expires);
    // An expiry we cannot read fails closed: the token is treated as expired.
    entry.expiresAt = Number.isNaN(at) ? 0 : at;
  }
  return entry;
}

/** Format an entry as a line of the token file (without the newline). */
export function formatTokenLine(e: TokenEntry): string {
  const groups = e.user.groups.length > 1 ? `"${e.user.groups.join(',')}"` : (e.user.groups[0] ?? '');
  const cols = [e.token, e.user.name, e.user.uid, groups];
  if (e.expiresAt !== undefined) cols.push(new Date(e.expiresAt).toISOString().replace(/\.000Z$/, 'Z'));
  return cols.join(',');
}

export function readTokenFile(file: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const e = parseTokenLine(line);
    if (e) entries.push(e);
  }
  return entries;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token file of a data directory. */
export function tokenFilePath(dataDir: string): string {
  return path.join(dataDir, 'tokens.csv');
}

/** The token file in `dataDir`, created with an admin token on first start; returns its path and the admin token. */
export function ensureTokenFile(dataDir: string): { file: string; adminToken: string } {
  const file = tokenFilePath(dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `# token,user,uid,groups[,expires]\n${newToken()},admin,admin,system:masters\n`, { mode: 0o600 });
  }
  const admin = readTokenFile(file).find((e) => e.user.name === 'admin');
  if (!admin) throw new Error(`${file} has no admin token`);
  return { file, adminToken: admin.token };
}

export interface AddTokenOptions {
  /** The user the token authenticates as (also its uid); the name `gitplane token delete` takes. */
  user: string;
  groups?: string[];
  /** Milliseconds since the epoch; absent: never expires. */
  expiresAt?: number;
}

/** Append a token (e.g. a node join token) to the data dir's token file and return the entry. */
export function addToken(dataDir: string, opts: AddTokenOptions): TokenEntry {
  if (!/^[A-Za-z0-9][A-Za-z0-9:._@-]*$/.test(opts.user)) {
    throw new Error(`invalid token name "${opts.user}": use letters, digits and : . _ @ -`);
  }
  for (const g of opts.groups ?? []) {
    if (!/^[A-Za-z0-9][A-Za-z0-9:._@-]*$/.test(g)) throw new Error(`invalid group "${g}": use letters, digits and : . _ @ -`);
  }
  const { file } = ensureTokenFile(dataDir);
  if (readTokenFile(file).some((e) => e.user.name === opts.user)) throw new Error(`a token named "${opts.user}" already exists`);
  const entry: TokenEntry = {
    token: newToken(),
    user: { name: opts.user, uid: opts.user, groups: opts.groups ?? [] },
    ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}),
  };
  const text = fs.readFileSync(file, 'utf8');
  fs.appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${formatTokenLine(entry)}\n`);
  return entry;
}

/** The tokens of a data directory (empty when it has no token file). */
export function listTokens(dataDir: string): TokenEntry[] {
  const file = tokenFilePath(dataDir);
  return fs.existsSync(file) ? readTokenFile(file) : [];
}

/**
 * Remove the tokens of user `name` from the data dir's token file (rewritten
 * atomically); returns how many were removed. The admin token stays: the
 * kubeconfig and `gitplane up` depend on it.
 */
export function deleteToken(dataDir: string, name: string): number {
  if (name === 'admin') throw new Error('the admin token cannot be deleted (the data dir kubeconfig uses it)');
  const file = tokenFilePath(dataDir);
  if (!fs.existsSync(file)) return 0;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const kept = lines.filter((l) => parseTokenLine(l)?.user.name !== name);
  const removed = lines.length - kept.length;
  if (removed === 0) return 0;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, kept.join('\n'), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return removed;
}
