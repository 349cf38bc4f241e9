// Bearer-token authentication from a static token file, like
// kube-apiserver's --token-auth-file: one "token,user,uid[,groups]" line
// each. The first start writes an admin token; `gitplane token create`
// appends more (node join tokens).

import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface User {
  name: string;
  uid: string;
  groups: string[];
}

export class TokenAuthenticator {
  private mtimeMs = 0;

  constructor(
    private tokens: Map<string, User>,
    private readonly file?: string,
  ) {
    if (file) this.mtimeMs = fs.statSync(file).mtimeMs;
  }

  static fromFile(file: string): TokenAuthenticator {
    return new TokenAuthenticator(readTokens(file), file);
  }

  /** Pick up tokens added to the file (gitplane token create) without a restart. */
  private reloadIfChanged(): boolean {
    if (!this.file) return false;
    try {
      const mtime = fs.statSync(this.file).mtimeMs;
      if (mtime === this.mtimeMs) return false;
      this.tokens = readTokens(this.file);
      this.mtimeMs = mtime;
      return true;
    } catch {
      return false;
    }
  }

  /** The user for an Authorization header, or undefined. */
  authenticate(header: string | undefined): User | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return undefined;
    return this.lookup(m[1]) ?? (this.reloadIfChanged() ? this.lookup(m[1]) : undefined);
  }

  private lookup(token: string): User | undefined {
    const given = Buffer.from(token);
    for (const [t, user] of this.tokens) {
      const want = Buffer.from(t);
      if (want.length === given.length && timingSafeEqual(want, given)) return user;
    }
    return undefined;
  }
}

function readTokens(file: string): Map<string, User> {
  const tokens = new Map<string, User>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [token, name, uid, groups] = t.split(',');
    if (!token || !name) continue;
    tokens.set(token, { name, uid: uid ?? name, groups: groups ? groups.replace(/^"|"$/g, '').split(/[;|]/) : [] });
  }
  return tokens;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token file in `dataDir`, created with an admin token on first start; returns its path and the admin token. */
export function ensureTokenFile(dataDir: string): { file: string; adminToken: string } {
  const file = path.join(dataDir, 'tokens.csv');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `# token,user,uid,groups\n${newToken()},admin,admin,system:masters\n`, { mode: 0o600 });
  }
  const admin = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => /^[^#][^,]*,admin,/.test(l));
  if (!admin) throw new Error(`${file} has no admin token`);
  return { file, adminToken: admin.split(',')[0] };
}

/** Append a token for `user` (e.g. a node) and return it. */
export function addToken(dataDir: string, user: string, groups: string[] = []): string {
  const { file } = ensureTokenFile(dataDir);
  const token = newToken();
  fs.appendFileSync(file, `${token},${user},${user},${groups.join(';')}\n`);
  return token;
}
