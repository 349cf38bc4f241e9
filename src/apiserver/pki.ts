// Certificates for HTTPS, made at first start and kept in <data-dir>/pki:
// a CA (10 years) and a serving certificate it signs for the loopback
// addresses. kubectl only sends bearer tokens over https, so this is what
// makes token auth work with unmodified kubectl.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export interface ServingPki {
  caCert: string;
  cert: string;
  key: string;
}

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function serial(): string {
  // Positive, 16 random bytes as hex.
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

function certificate(opts: {
  subject: string;
  publicPem: string;
  signerKeyPem: string;
  issuer?: forge.pki.Certificate;
  years: number;
  ca: boolean;
  ips?: string[];
  dns?: string[];
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(opts.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + opts.years * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: opts.subject }];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.subject.attributes : subject);
  const extensions: object[] = [{ name: 'basicConstraints', cA: opts.ca, critical: true }];
  if (opts.ca) extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
    extensions.push({
      name: 'subjectAltName',
      altNames: [...(opts.dns ?? []).map((value) => ({ type: 2, value })), ...(opts.ips ?? []).map((ip) => ({ type: 7, ip }))],
    });
  }
  extensions.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(opts.signerKeyPem), forge.md.sha256.create());
  return cert;
}

/** Load the PKI from `dir`, creating what is missing. */
export function loadOrCreatePki(dir: string, extraIps: string[] = []): ServingPki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => path.join(dir, name);
  if (!fs.existsSync(file('ca.crt')) || !fs.existsSync(file('ca.key'))) {
    const ca = keyPair();
    const cert = certificate({ subject: 'gitplane-ca', publicPem: ca.publicPem, signerKeyPem: ca.privatePem, years: 10, ca: true });
    fs.writeFileSync(file('ca.key'), ca.privatePem, { mode: 0o600 });
    fs.writeFileSync(file('ca.crt'), forge.pki.certificateToPem(cert));
    fs.rmSync(file('apiserver.crt'), { force: true });
  }
  const caCert = fs.readFileSync(file('ca.crt'), 'utf8');
  if (!fs.existsSync(file('apiserver.crt')) || !fs.existsSync(file('apiserver.key'))) {
    const serving = keyPair();
    const cert = certificate({
      subject: 'gitplane-apiserver',
      publicPem: serving.publicPem,
      signerKeyPem: fs.readFileSync(file('ca.key'), 'utf8'),
      issuer: forge.pki.certificateFromPem(caCert),
      years: 5,
      ca: false,
      ips: ['127.0.0.1', '::1', ...extraIps],
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    });
    fs.writeFileSync(file('apiserver.key'), serving.privatePem, { mode: 0o600 });
    fs.writeFileSync(file('apiserver.crt'), forge.pki.certificateToPem(cert));
  }
  return { caCert, cert: fs.readFileSync(file('apiserver.crt'), 'utf8'), key: fs.readFileSync(file('apiserver.key'), 'utf8') };
}
