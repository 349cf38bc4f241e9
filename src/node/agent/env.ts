// A container's environment as kubelet builds it (makeEnvironmentVariables):
// the service link variables, envFrom (with its prefix), then env in order
// with $(VAR) expansion against what came before and the service variables,
// valueFrom configMapKeyRef / secretKeyRef / fieldRef / resourceFieldRef.
// What cannot be resolved is a ConfigError: the container waits with
// CreateContainerConfigError, as in kube.

import type { ConfigMap, Container, Pod, ResourceList, Secret, Service } from '../../api/generated/index.js';
import { expand, mappingFor } from './expansion.js';
import { quantityBytes, quantityMillis, quantityValue } from './quantity.js';

/** Something the pod's spec asks for that is not there (yet): CreateContainerConfigError. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface EnvSources {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Services in a namespace (for the service link variables). */
  services(namespace: string): Service[];
  /** The API server's service (default/kubernetes), or where to reach it. */
  masterService(): { host: string; port: number } | undefined;
  /** Limits a container does not set default to the node's allocatable (downward API). */
  nodeAllocatable: ResourceList;
}

export interface PodAddresses {
  podIP: string;
  hostIP: string;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export function decodeSecretValue(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

export function secretData(secret: Secret): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(String(v), 'base64');
  for (const [k, v] of Object.entries((secret as { stringData?: Record<string, string> }).stringData ?? {})) out[k] ??= Buffer.from(v, 'utf8');
  return out;
}

export function configMapData(cm: ConfigMap): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(String(v), 'utf8');
  for (const [k, v] of Object.entries((cm as { binaryData?: Record<string, string> }).binaryData ?? {})) out[k] = Buffer.from(String(v), 'base64');
  return out;
}

/** A service name as an environment variable prefix: upper case, dashes to underscores. */
function envPrefix(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** The docker-links style variables for services (kubelet's envvars.FromServices). */
export function serviceEnv(services: Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  const sorted = [...services].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const svc of sorted) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None' || svc.spec?.type === 'ExternalName') continue;
    const ports = svc.spec?.ports ?? [];
    if (ports.length === 0) continue;
    const prefix = envPrefix(svc.metadata?.name ?? '');
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
    for (const p of ports) if (p.name) env[`${prefix}_SERVICE_PORT_${envPrefix(p.name)}`] = String(p.port);
    const first = ports[0];
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    env[`${prefix}_PORT`] = `${proto}://${ip}:${first.port}`;
    for (const p of ports) {
      const pr = (p.protocol ?? 'TCP').toLowerCase();
      const base = `${prefix}_PORT_${p.port}_${pr.toUpperCase()}`;
      env[base] = `${pr}://${ip}:${p.port}`;
      env[`${base}_PROTO`] = pr;
      env[`${base}_PORT`] = String(p.port);
      env[`${base}_ADDR`] = ip;
    }
  }
  return env;
}

function masterEnv(master: { host: string; port: number }): Record<string, string> {
  const { host, port } = master;
  const base = `KUBERNETES_PORT_${port}_TCP`;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: `tcp://${host}:${port}`,
    [base]: `tcp://${host}:${port}`,
    [`${base}_PROTO`]: 'tcp',
    [`${base}_PORT`]: String(port),
    [`${base}_ADDR`]: host,
  };
}

/** The value of an object field the downward API may read (env fieldRef or volume file). */
export function podFieldValue(pod: Pod, fieldPath: string, addr: PodAddresses, forVolume = false): string {
  const meta = pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath) ?? /^metadata\.(labels|annotations)\["(.*)"\]$/.exec(fieldPath);
  if (subscript) return (subscript[1] === 'labels' ? meta.labels : meta.annotations)?.[subscript[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations': {
      if (!forVolume) throw new ConfigError(`unsupported fieldPath "${fieldPath}" for an environment variable`);
      const map = (fieldPath === 'metadata.labels' ? meta.labels : meta.annotations) ?? {};
      return Object.keys(map)
        .sort()
        .map((k) => `${k}=${JSON.stringify(map[k])}`)
        .join('\n');
    }
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return addr.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return addr.podIP;
    default:
      throw new ConfigError(`unsupported fieldPath "${fieldPath}"`);
  }
}

/** A resourceFieldRef value (kubelet's ExtractContainerResourceValue): rounded up by the divisor. */
export function resourceFieldValue(pod: Pod, containerName: string, resource: string, divisor: string | number | undefined, allocatable: ResourceList): string {
  const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === containerName);
  if (!container) throw new ConfigError(`container "${containerName}" not found in pod for resourceFieldRef ${resource}`);
  const [kind, name] = resource.split('.', 2) as [string, string];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new ConfigError(`unsupported container resource "${resource}"`);
  const set = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  let value = set?.[name] ?? (kind === 'limits' ? allocatable[name] : undefined) ?? 0;
  if (kind === 'requests' && set?.[name] === undefined && container.resources?.limits?.[name] !== undefined) value = container.resources.limits[name];
  const div = divisor === undefined || divisor === '' ? 1 : quantityValue(divisor);
  if (!(div > 0)) throw new ConfigError(`invalid divisor for resource "${resource}"`);
  if (name === 'cpu') {
    const millis = quantityMillis(value);
    return String(Math.ceil(millis / Math.round(div * 1000) - 1e-9));
  }
  return String(Math.ceil(quantityBytes(value) / div - 1e-9));
}

/** The container's environment, in kube's order and precedence. */
export async function containerEnv(pod: Pod, container: Container, addr: PodAddresses, sources: EnvSources, hostname: string): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const master = sources.masterService();
  const svcEnv: Record<string, string> = {
    ...(pod.spec?.enableServiceLinks === false ? {} : serviceEnv(sources.services(namespace))),
    ...(master ? masterEnv(master) : {}),
  };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, Buffer> | undefined;
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await sources.configMap(namespace, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ConfigError(`configmap "${name}" not found`);
      }
      data = configMapData(cm);
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const secret = await sources.secret(namespace, name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ConfigError(`secret "${name}" not found`);
      }
      data = secretData(secret);
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      const key = prefix + k;
      if (!ENV_NAME.test(key)) continue;
      env[key] = v.toString('utf8');
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined || e.value !== undefined) {
      env[e.name] = expand(e.value ?? '', mappingFor(env, svcEnv));
      continue;
    }
    const from = e.valueFrom;
    if (from.configMapKeyRef) {
      const { name = '', key, optional } = from.configMapKeyRef;
      const cm = await sources.configMap(namespace, name);
      if (!cm) {
        if (optional) continue;
        throw new ConfigError(`configmap "${name}" not found`);
      }
      const data = configMapData(cm);
      if (!(key in data)) {
        if (optional) continue;
        throw new ConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
      }
      env[e.name] = data[key].toString('utf8');
    } else if (from.secretKeyRef) {
      const { name = '', key, optional } = from.secretKeyRef;
      const secret = await sources.secret(namespace, name);
      if (!secret) {
        if (optional) continue;
        throw new ConfigError(`secret "${name}" not found`);
      }
      const data = secretData(secret);
      if (!(key in data)) {
        if (optional) continue;
        throw new ConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
      }
      env[e.name] = data[key].toString('utf8');
    } else if (from.fieldRef) {
      env[e.name] = podFieldValue(pod, from.fieldRef.fieldPath, addr);
    } else if (from.resourceFieldRef) {
      const r = from.resourceFieldRef;
      env[e.name] = resourceFieldValue(pod, r.containerName || container.name, r.resource, r.divisor, sources.nodeAllocatable);
    }
  }
  const out: Record<string, string> = { HOSTNAME: hostname };
  for (const [k, v] of Object.entries(svcEnv)) out[k] = v;
  for (const [k, v] of Object.entries(env)) out[k] = v;
  return out;
}

/** command + args with $(VAR) expanded against the container's environment. */
export function containerArgv(container: Container, env: Record<string, string>): string[] {
  const mapping = mappingFor(env);
  return [...(container.command ?? []), ...(container.args ?? [])].map((s) => expand(s, mapping));
}
