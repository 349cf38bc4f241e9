// Kubeconfig files for the image's kubectl and @kubernetes/client-node:
// over https with the cluster CA and a bearer token (the default), or over
// plain http for the explicit local mode, where kubectl sends no token and
// client-node needs insecure-skip-tls-verify to accept http at all.

import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  /** PEM of the CA that signed the serving certificate (https). */
  caCert?: string;
  token?: string;
  namespace?: string;
  name?: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const name = input.name ?? 'gitplane';
  const https = input.server.startsWith('https://');
  const cluster: Record<string, unknown> = { server: input.server };
  if (https && input.caCert) cluster['certificate-authority-data'] = Buffer.from(input.caCert).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-admin`, user: input.token ? { token: input.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: input.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

export function writeKubeconfig(file: string, input: KubeconfigInput): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, kubeconfigYaml(input), { mode: 0o600 });
  return file;
}
