// A client from the command line: --kubeconfig (else $KUBECONFIG, else the
// ./.gitplane/kubeconfig `gitplane up` writes, else ~/.kube/config), --context
// and -n/--namespace. Connection failures become one line naming the server.

import fs from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { isStatusError } from '../api/status.js';
import { createClient, isConnectionError, loadKubeconfig, type Client } from '../client/index.js';

export const APP_NAMESPACE = 'gitplane-system';

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Connection {
  client: Client;
  /** The API server's URL. */
  server: string;
  /** The kubeconfig file used. */
  kubeconfig: string;
  /** -n, else `defaultNamespace`. */
  namespace: string;
  /** The kubeconfig context's namespace ("default" when it sets none): kubectl's default for -n. */
  contextNamespace: string;
  close(): void;
}

/** Which kubeconfig file the flags and environment point at. */
export function kubeconfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), home = homedir()): string {
  if (flag) return path.resolve(cwd, flag);
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((p) => p !== '');
  if (fromEnv) return path.resolve(cwd, fromEnv);
  const local = path.join(cwd, '.gitplane', 'kubeconfig');
  if (fs.existsSync(local)) return local;
  return path.join(home, '.kube', 'config');
}

/** Thrown when the kubeconfig cannot be used or the server cannot be reached; its message is the one line to print. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export function connect(flags: ConnectionFlags, defaultNamespace = APP_NAMESPACE): Connection {
  const file = kubeconfigPath(flags.kubeconfig);
  if (!fs.existsSync(file)) {
    throw new ConnectionError(`no kubeconfig at ${file} (pass --kubeconfig, set KUBECONFIG, or run \`gitplane up\` here)`);
  }
  let loaded: ReturnType<typeof loadKubeconfig>;
  try {
    loaded = loadKubeconfig(file, flags.context ? { context: flags.context } : {});
  } catch (err) {
    throw new ConnectionError(`cannot use kubeconfig ${file}: ${(err as Error).message.replace(/^kubeconfig: /, '')}`);
  }
  const client = createClient(loaded.transport, { userAgent: 'gitplane-cli', fieldManager: 'gitplane-cli' });
  return {
    client,
    server: loaded.server,
    kubeconfig: file,
    namespace: flags.namespace || defaultNamespace,
    contextNamespace: loaded.namespace || 'default',
    close: () => client.close(),
  };
}

const TLS_CODES = /^(ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|ERR_SSL_)/;

/** An error that means "the server was not reached" (refused, DNS, TLS, timeout), as opposed to an answer. */
export function isUnreachable(err: unknown): boolean {
  if (isStatusError(err)) return false;
  if (isConnectionError(err)) return true;
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code === 'string' && TLS_CODES.test(e.code)) return true;
  return typeof e?.message === 'string' && /request timed out after|socket hang up/.test(e.message);
}

/** "cannot connect to the API server at https://…: connection refused". */
export function describeUnreachable(err: unknown, server: string): string {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the cluster running? `gitplane up`)',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ECONNRESET: 'connection reset by the server',
  };
  const reason = (e?.code && reasons[e.code]) ?? e?.message ?? String(err);
  return `cannot connect to the API server at ${server}: ${reason}`;
}
