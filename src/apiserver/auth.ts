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
  constructor(private readonly tokens: Map<string, User>) {}

  static fromFile(file: string): TokenAuthenticator {
    const tokens = new Map<string, User>();
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      const [token, name, uid, groups] = t.split(',');
      if (!token || !name) continue;
      tokens.set(token, { name, uid: uid ?? name, groups: groups ? groups.replace(/^"|"$/g, '').split(/[;|]/) : [] });
    }
    return new TokenAuthenticator(tokens);
  }

  /** The user for an Authorization header, or undefined. */
  authenticate(header: string | undefined): User | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return undefined;
    const given = Buffer.from(m[1]);
    for (const [token, user] of this.tokens) {
      const want = Buffer.from(token);
      if (want.length === given.length && timingSafeEqual(want, given)) return user;
    }
    return undefined;
  }
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
