import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateKeys, rotateKey, SecretBox } from '../../../src/apiserver/encryption.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('secrets encryption at rest', () => {
  it('seals with AES-256-GCM under the active key and never shows the plaintext', () => {
    const box = new SecretBox({ name: 'k1', secret: Buffer.alloc(32, 7) });
    const sealed = box.seal('{"data":{"password":"aHVudGVyMg=="}}');
    expect(sealed.startsWith('k8s:enc:aesgcm:v1:k1:')).toBe(true);
    expect(sealed).not.toContain('aHVudGVyMg');
    expect(box.open(sealed)).toBe('{"data":{"password":"aHVudGVyMg=="}}');
    // Two seals of one value differ (fresh nonce).
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('detects tampering and an unknown key', () => {
    const box = new SecretBox({ name: 'k1', secret: Buffer.alloc(32, 1) });
    const sealed = box.seal('secret');
    const raw = Buffer.from(sealed.split(':').pop()!, 'base64');
    raw[14] ^= 1;
    expect(() => box.open(`k8s:enc:aesgcm:v1:k1:${raw.toString('base64')}`)).toThrow();
    const other = new SecretBox({ name: 'k2', secret: Buffer.alloc(32, 2) });
    expect(() => other.open(sealed)).toThrow(/unknown encryption key "k1"/);
  });

  it('rotation: new writes use the new key, old values stay readable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-keys-'));
    dirs.push(dir);
    const before = loadOrCreateKeys(dir);
    const old = before.seal('v1');
    expect((fs.statSync(path.join(dir, 'encryption-keys.json')).mode & 0o777).toString(8)).toBe('600');
    const name = rotateKey(dir);
    const after = loadOrCreateKeys(dir);
    expect(after.active.name).toBe(name);
    expect(after.open(old)).toBe('v1');
    expect(after.seal('v2').startsWith(`k8s:enc:aesgcm:v1:${name}:`)).toBe(true);
  });

  it('passes through values stored before encryption was on', () => {
    const box = new SecretBox({ name: 'k', secret: Buffer.alloc(32) });
    expect(box.open('{"plain":true}')).toBe('{"plain":true}');
  });
});
