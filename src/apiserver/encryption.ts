// Encryption at rest for Secrets, after kube-apiserver's aesgcm provider:
// each value is sealed with AES-256-GCM under the active key and stored as
//   k8s:enc:aesgcm:v1:<key name>:<base64(nonce ‖ ciphertext ‖ tag)>
// so a raw read of the store never shows a secret. Older keys stay listed
// for reading; every write seals with the active (first) key, which is how
// rotation re-encrypts: add a key at the front, and objects move to it as
// they are written.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PREFIX = 'k8s:enc:aesgcm:v1:';

export interface EncryptionKey {
  name: string;
  /** 32 bytes. */
  secret: Buffer;
}

export class SecretBox {
  private readonly keys: Map<string, Buffer>;

  constructor(readonly active: EncryptionKey, older: EncryptionKey[] = []) {
    this.keys = new Map([active, ...older].map((k) => [k.name, k.secret]));
    for (const [name, secret] of this.keys) {
      if (secret.length !== 32) throw new Error(`encryption key ${name} must be 32 bytes, not ${secret.length}`);
    }
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.active.secret, nonce);
    // The key name is authenticated too, so a value cannot be replayed under another key.
    cipher.setAAD(Buffer.from(this.active.name));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.active.name}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  open(value: string): string {
    if (!this.isSealed(value)) return value; // written before encryption was turned on
    const rest = value.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const name = rest.slice(0, colon);
    const secret = this.keys.get(name);
    if (!secret) throw new Error(`secret sealed with unknown encryption key "${name}"`);
    const raw = Buffer.from(rest.slice(colon + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  }
}

interface KeyFile {
  keys: Array<{ name: string; secret: string }>;
}

/**
 * Load the key file (JSON `{keys: [{name, secret: base64}]}`, first = active)
 * from the data dir, creating it with one fresh key on first start (mode 0600).
 */
export function loadOrCreateKeys(dataDir: string): SecretBox {
  const file = path.join(dataDir, 'encryption-keys.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    const initial: KeyFile = { keys: [{ name: `key-${Date.now().toString(36)}`, secret: randomBytes(32).toString('base64') }] };
    fs.writeFileSync(file, JSON.stringify(initial, null, 2) + '\n', { mode: 0o600 });
  }
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) throw new Error(`${file}: no keys`);
  const keys = parsed.keys.map((k) => ({ name: k.name, secret: Buffer.from(k.secret, 'base64') }));
  return new SecretBox(keys[0], keys.slice(1));
}

/** Put a new active key at the front of the key file (rotation); returns its name. */
export function rotateKey(dataDir: string): string {
  const file = path.join(dataDir, 'encryption-keys.json');
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  const name = `key-${Date.now().toString(36)}`;
  parsed.keys.unshift({ name, secret: randomBytes(32).toString('base64') });
  fs.writeFileSync(file, JSON.stringify(parsed, null, 2) + '\n', { mode: 0o600 });
  return name;
}
