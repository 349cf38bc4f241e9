// How a component process (node, controller-manager, scheduler, gitops)
// reaches the API server: a kubeconfig (by default the one `gitplane server`
// writes into the data dir), or, to join from another machine, the server
// URL with a bearer token (`gitplane token create` makes one) and the
// cluster CA to verify the server by.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createClient, httpTransport, loadKubeconfig, type Client } from '../client/index.js';

export interface ClientFlags {
  kubeconfig?: string;
  dataDir: string;
  server?: string;
  token?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
}

const FLAGS: Array<[flags: string, description: string]> = [
  ['--kubeconfig <file>', 'kubeconfig of the API server (default: <data-dir>/kubeconfig, unless --server is given)'],
  ['--server <url>', 'API server URL (instead of a kubeconfig), e.g. https://10.0.0.1:6443'],
  ['--token <token>', 'bearer token for --server (default: $GITPLANE_TOKEN; see `gitplane token create`)'],
  ['--ca-file <file>', "the cluster CA certificate to verify --server by (the server's <data-dir>/pki/ca.crt)"],
  ['--insecure-skip-tls-verify', 'do not verify the server certificate of --server (testing only)'],
];

/** Add the connection flags, skipping any the command already declares. */
export function addClientFlags(cmd: Command): Command {
  for (const [flags, description] of FLAGS) {
    const long = flags.split(' ')[0];
    if (!cmd.options.some((o) => o.long === long)) cmd.option(flags, description);
  }
  return cmd;
}

/** Check the connection flags; throws an Error saying what is wrong. */
export function validateClientFlags(flags: ClientFlags): void {
  if (flags.server && flags.kubeconfig) throw new Error('--server and --kubeconfig are mutually exclusive');
  if (!flags.server) {
    for (const [given, name] of [
      [flags.token, '--token'],
      [flags.caFile, '--ca-file'],
      [flags.insecureSkipTlsVerify, '--insecure-skip-tls-verify'],
    ] as const) {
      if (given) throw new Error(`${name} needs --server`);
    }
    return;
  }
  let url: URL;
  try {
    url = new URL(flags.server);
  } catch {
    throw new Error(`--server must be a URL like https://10.0.0.1:6443, not ${flags.server}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`--server must be an http:// or https:// URL, not ${flags.server}`);
  if (flags.caFile && flags.insecureSkipTlsVerify) throw new Error('--ca-file and --insecure-skip-tls-verify are mutually exclusive');
  if (flags.caFile && !fs.existsSync(flags.caFile)) throw new Error(`--ca-file ${flags.caFile} does not exist`);
}

/**
 * A client for the API server the flags name: `--server` (+ `--token` or $GITPLANE_TOKEN, and
 * `--ca-file` or `--insecure-skip-tls-verify`; with neither, the data dir's
 * pki/ca.crt if there is one, else the system CAs), or else `--kubeconfig`
 * (default <data-dir>/kubeconfig).
 */
export function clientFromFlags(flags: ClientFlags, userAgent: string): Client {
  validateClientFlags(flags);
  if (flags.server) {
    const localCa = path.resolve(flags.dataDir, 'pki', 'ca.crt');
    const caFile = flags.caFile ?? (!flags.insecureSkipTlsVerify && fs.existsSync(localCa) ? localCa : undefined);
    // From the environment, the token stays out of `ps` output.
    const token = flags.token ?? process.env.GITPLANE_TOKEN;
    return createClient(
      httpTransport({
        server: flags.server,
        ...(token ? { token } : {}),
        ...(caFile ? { caData: fs.readFileSync(caFile) } : {}),
        ...(flags.insecureSkipTlsVerify ? { insecureSkipTLSVerify: true } : {}),
      }),
      { userAgent },
    );
  }
  const file = flags.kubeconfig ?? path.join(flags.dataDir, 'kubeconfig');
  return createClient(loadKubeconfig(path.resolve(file)).transport, { userAgent });
}
