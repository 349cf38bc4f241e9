/**
 * Kubernetes defaults that depend on other fields' values, which `default` in a JSON Schema
 * cannot express. The plain defaults (replicas: 1, restartPolicy: Always, probe periods, ...)
 * live in schemas/ and are applied by ajv. Runs on validateObject's copy before the schema
 * validation, so it only touches well-formed parts.
 */
import { podSpecOf } from './validation-rules.js';

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Kubernetes' imagePullPolicy default: Always for a `:latest` tag or no tag (and no digest),
 * IfNotPresent otherwise.
 */
export function defaultImagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? '' : image.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainers(spec: Obj, isPod: boolean): void {
  for (const list of ['initContainers', 'containers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      if (!isObj(container)) continue;
      if (container.imagePullPolicy === undefined && typeof container.image === 'string') {
        container.imagePullPolicy = defaultImagePullPolicy(container.image);
      }
      // SetDefaults_Pod (pods only, not templates): requests default to limits.
      if (isPod && isObj(container.resources) && isObj(container.resources.limits)) {
        const resources = container.resources;
        const requests: Obj = isObj(resources.requests) ? resources.requests : {};
        for (const [name, quantity] of Object.entries(resources.limits as Obj)) {
          if (requests[name] === undefined) requests[name] = quantity;
        }
        if (Object.keys(requests).length > 0) resources.requests = requests;
      }
    }
  }
}

function defaultService(obj: Obj): void {
  if (!isObj(obj.spec) || !Array.isArray(obj.spec.ports)) return;
  for (const port of obj.spec.ports) {
    // targetPort defaults to port.
    if (isObj(port) && port.targetPort === undefined && typeof port.port === 'number') port.targetPort = port.port;
  }
}

/** Fills in the value-dependent Kubernetes defaults of obj in place. */
export function applyCodeDefaults(obj: Obj): void {
  const podSpec = podSpecOf(obj);
  if (podSpec !== undefined) defaultContainers(podSpec.spec, podSpec.isPod);
  if (obj.apiVersion === 'v1' && obj.kind === 'Service') defaultService(obj);
}
