// kubeconfig: choosing the context and resolving cluster and user; HTTPS trust.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../../src/client/client.js';
import { httpTransport } from '../../../src/client/transport/http.js';
import { defaultKubeconfigPath, loadKubeconfig, parseKubeconfig } from '../../../src/client/transport/kubeconfig.js';
import { FakeApi } from './support/fake-api.js';
import { serve } from './support/http-server.js';
import { TEST_CERT, TEST_KEY } from './support/tls.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function kubeconfig(server: string): string {
  return `apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: local
    cluster:
      server: ${server}
      certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n')}
  - name: insecure
    cluster:
      server: https://10.0.0.1:6443
      insecure-skip-tls-verify: true
users:
  - name: alice
    user:
      token: alice-token
  - name: bob
    user:
      tokenFile: bob.token
      client-certificate-data: ${b64('CERT')}
      client-key-data: ${b64('KEY')}
contexts:
  - name: dev
    context:
      cluster: local
      user: alice
      namespace: team-a
  - name: ops
    context:
      cluster: insecure
      user: bob
`;
}

describe('kubeconfig', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('resolves the current context: server, CA data, token, namespace', () => {
    const ctx = parseKubeconfig(kubeconfig('https://127.0.0.1:6443'));
    expect(ctx).toEqual({
      context: 'dev',
      cluster: 'local',
      user: 'alice',
      namespace: 'team-a',
      server: 'https://127.0.0.1:6443',
      insecureSkipTLSVerify: false,
      caData: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
      token: 'alice-token',
    });
  });

  it('resolves a named context, with files relative to the kubeconfig and client certificates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bob.token'), 'bob-token\n');
    const ctx = parseKubeconfig(kubeconfig('https://x'), { context: 'ops', baseDir: dir });
    expect(ctx.namespace).toBe('default');
    expect(ctx.insecureSkipTLSVerify).toBe(true);
    expect(ctx.token).toBe('bob-token');
    expect(ctx.certData).toBe('CERT');
    expect(ctx.keyData).toBe('KEY');
    expect(ctx.caData).toBeUndefined();
  });

  it('names what is missing', () => {
    expect(() => parseKubeconfig('apiVersion: v1\nkind: Config\n')).toThrow(/no current-context/);
    expect(() => parseKubeconfig(kubeconfig('http://x'), { context: 'nope' })).toThrow(/context "nope" not found/);
    expect(() => parseKubeconfig('current-context: c\ncontexts:\n- name: c\n  context: {cluster: gone}\n')).toThrow(/cluster "gone" not found/);
  });

  it('loads from a path and talks to the server with the user token', async () => {
    const fake = new FakeApi();
    const server = await serve(fake.handler);
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    dirs.push(dir);
    const path = join(dir, 'config');
    writeFileSync(path, kubeconfig(server.url));
    const loaded = loadKubeconfig(path);
    try {
      expect(loaded.namespace).toBe('team-a');
      const client = createClient(loaded.transport);
      expect(await client.raw('GET', '/version')).toEqual({ gitVersion: 'v1.30.0-fake' });
      expect(server.authorizations).toEqual(['Bearer alice-token']);
      // Text works as well as a path.
      const fromText = loadKubeconfig(kubeconfig(server.url));
      expect(fromText.server).toBe(server.url);
      fromText.transport.close();
    } finally {
      loaded.transport.close();
      await server.close();
    }
  });

  it('defaults to $KUBECONFIG, else ~/.kube/config', () => {
    expect(defaultKubeconfigPath({ KUBECONFIG: '/a/config:/b/config' })).toBe('/a/config');
    expect(defaultKubeconfigPath({})).toMatch(/\.kube[/\\]config$/);
  });
});

describe('https', () => {
  it('trusts the kubeconfig CA, refuses an unknown one, and can skip verification', async () => {
    const fake = new FakeApi();
    const server = await serve(fake.handler, { cert: TEST_CERT, key: TEST_KEY });
    const config = `current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {token: t}}]
clusters: [{name: k, cluster: {server: "${server.url}", certificate-authority-data: ${b64(TEST_CERT)}}}]
`;
    const trusted = loadKubeconfig(config);
    const untrusted = httpTransport({ server: server.url });
    const skipping = httpTransport({ server: server.url, insecureSkipTLSVerify: true });
    try {
      expect(await createClient(trusted.transport).raw('GET', '/healthz')).toBe('ok');
      const err = (await createClient(untrusted).raw('GET', '/healthz').catch((e: unknown) => e)) as NodeJS.ErrnoException;
      expect(err.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
      expect(await createClient(skipping).raw('GET', '/healthz')).toBe('ok');
      expect(server.authorizations).toEqual(['Bearer t', undefined]);
    } finally {
      for (const t of [trusted.transport, untrusted, skipping]) t.close();
      await server.close();
    }
  });
});
