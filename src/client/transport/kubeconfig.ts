// kubeconfig files: pick the current (or a named) context and build an HTTP
// transport for its cluster and user, as kubectl and client-go do.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { httpTransport, type HttpTransportOptions } from './http.js';
import type { Transport } from './types.js';

/** What a kubeconfig says about one context, with files and base64 data resolved. */
export interface KubeconfigContext {
  /** The context's name. */
  context: string;
  cluster: string;
  user: string;
  /** The context's namespace, "default" when unset. */
  namespace: string;
  server: string;
  caData?: string;
  insecureSkipTLSVerify: boolean;
  token?: string;
  certData?: string;
  keyData?: string;
}

export interface LoadedKubeconfig extends KubeconfigContext {
  transport: Transport;
}

export interface KubeconfigOptions {
  /** Use this context instead of current-context. */
  context?: string;
  /** Where relative file references point from (default: the file's directory, or cwd for text). */
  baseDir?: string;
  /** Passed on to httpTransport. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** A kubeconfig list entry: `{name, cluster: {...}}` and the like. */
type Named<K extends string> = { name?: string } & Partial<Record<K, unknown>>;

interface RawKubeconfig {
  'current-context'?: string;
  clusters?: Array<Named<'cluster'>>;
  users?: Array<Named<'user'>>;
  contexts?: Array<Named<'context'>>;
}

/** The default kubeconfig path: the first entry of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(process.platform === 'win32' ? ';' : ':').find((p) => p !== '');
  return fromEnv ?? join(homedir(), '.kube', 'config');
}

/**
 * Resolve one context of a kubeconfig given as YAML text. Throws an Error naming what is
 * missing when the context, its cluster, or the cluster's server cannot be found.
 */
export function parseKubeconfig(text: string, options: Pick<KubeconfigOptions, 'context' | 'baseDir'> = {}): KubeconfigContext {
  const raw = (parseYaml(text) ?? {}) as RawKubeconfig;
  if (typeof raw !== 'object') throw new Error('kubeconfig: not a YAML mapping');
  const baseDir = options.baseDir ?? process.cwd();
  const contextName = options.context ?? raw['current-context'];
  if (!contextName) throw new Error('kubeconfig: no current-context is set and no context was given');
  const context = find(raw.contexts, 'context', contextName);
  if (!context) throw new Error(`kubeconfig: context "${contextName}" not found`);
  const clusterName = str(context.cluster);
  if (!clusterName) throw new Error(`kubeconfig: context "${contextName}" names no cluster`);
  const cluster = find(raw.clusters, 'cluster', clusterName);
  if (!cluster) throw new Error(`kubeconfig: cluster "${clusterName}" not found`);
  const server = str(cluster.server);
  if (!server) throw new Error(`kubeconfig: cluster "${clusterName}" has no server`);
  const userName = str(context.user) ?? '';
  const user = userName ? find(raw.users, 'user', userName) : undefined;
  if (userName && !user) throw new Error(`kubeconfig: user "${userName}" not found`);

  const readRef = (path: string): string => readFileSync(isAbsolute(path) ? path : resolve(baseDir, path), 'utf8');
  const dataOrFile = (entry: Record<string, unknown> | undefined, dataKey: string, fileKey: string): string | undefined => {
    const data = str(entry?.[dataKey]);
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    const file = str(entry?.[fileKey]);
    return file ? readRef(file) : undefined;
  };

  const tokenFile = str(user?.tokenFile);
  const token = str(user?.token) ?? (tokenFile ? readRef(tokenFile).trim() : undefined);
  const result: KubeconfigContext = {
    context: contextName,
    cluster: clusterName,
    user: userName,
    namespace: str(context.namespace) || 'default',
    server,
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
  };
  const caData = dataOrFile(cluster, 'certificate-authority-data', 'certificate-authority');
  if (caData !== undefined) result.caData = caData;
  if (token !== undefined) result.token = token;
  const certData = dataOrFile(user, 'client-certificate-data', 'client-certificate');
  if (certData !== undefined) result.certData = certData;
  const keyData = dataOrFile(user, 'client-key-data', 'client-key');
  if (keyData !== undefined) result.keyData = keyData;
  return result;
}

/**
 * Load a kubeconfig from a path, or from YAML text (anything containing a newline), or from
 * the default location when no source is given, and build an HTTP transport for it.
 */
export function loadKubeconfig(source?: string, options: KubeconfigOptions = {}): LoadedKubeconfig {
  let text: string;
  let baseDir = options.baseDir;
  if (source !== undefined && source.includes('\n')) {
    text = source;
  } else {
    const path = resolve(source ?? defaultKubeconfigPath());
    text = readFileSync(path, 'utf8');
    baseDir ??= dirname(path);
  }
  const selected = parseKubeconfig(text, { ...(options.context ? { context: options.context } : {}), ...(baseDir ? { baseDir } : {}) });
  const transportOptions: HttpTransportOptions = {
    server: selected.server,
    insecureSkipTLSVerify: selected.insecureSkipTLSVerify,
    ...(selected.token !== undefined ? { token: selected.token } : {}),
    ...(selected.caData !== undefined ? { caData: selected.caData } : {}),
    ...(selected.certData !== undefined ? { certData: selected.certData } : {}),
    ...(selected.keyData !== undefined ? { keyData: selected.keyData } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  };
  return { ...selected, transport: httpTransport(transportOptions) };
}

function find<K extends 'cluster' | 'user' | 'context'>(
  list: Array<Named<K>> | undefined,
  key: K,
  name: string,
): Record<string, unknown> | undefined {
  const entry = (Array.isArray(list) ? list : []).find((e) => e?.name === name);
  if (!entry) return undefined;
  const value = entry[key];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
