// Per-kind rules on top of the generic REST storage, after kube-apiserver's
// pkg/registry/*/strategy.go: defaulting and validation for every kind,
// status reset on create, pod immutability and graceful deletion, Secret
// stringData, immutable ConfigMaps and Secrets, and Service IP and port
// allocation.

import { deepEqual } from '../../api/patch/json.js';
import { invalid, type StatusCause } from '../../api/status.js';
import { validateObject } from '../../api/validation.js';
import type { Allocator } from '../ipalloc.js';
import type { Obj } from './codec.js';
import type { ResourceInfo } from './resources.js';
import type { SideEffects, Strategy } from './rest.js';

/** Kinds whose spec Go decodes to a zero value when absent, so its required fields are still checked. */
const SPEC_REQUIRED = new Set(['Pod', 'Deployment', 'ReplicaSet', 'DaemonSet', 'Job', 'CronJob', 'Service', 'Application']);

/** Status fields a kind's schema requires, at their zero values. */
const EMPTY_STATUS: Record<string, Obj> = {
  ReplicaSet: { replicas: 0 },
  DaemonSet: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
};

function validator(r: ResourceInfo): (obj: Obj) => Obj {
  return (obj) => {
    if (SPEC_REQUIRED.has(r.kind) && (obj.spec === undefined || obj.spec === null)) obj = { ...obj, spec: {} };
    const result = validateObject(obj, { applyDefaults: true });
    if (result.valid) return result.object as Obj;
    const causes: StatusCause[] = result.errors.map((e) => ({ reason: e.type ?? 'FieldValueInvalid', message: e.message, field: e.field }));
    throw invalid(r.group, r.kind, obj.metadata?.name ?? obj.metadata?.generateName ?? '', causes);
  };
}

function immutableError(r: ResourceInfo, name: string, field: string, message = 'field is immutable'): Error {
  return invalid(r.group, r.kind, name, [{ reason: 'FieldValueInvalid', field, message }]);
}

function generic(r: ResourceInfo): Strategy {
  const validate = validator(r);
  return {
    validate: (obj) => validate(obj),
    prepareForCreate(obj) {
      // Status belongs to controllers: a new object starts with an empty one
      // (with the zero values its schema requires, as Go's structs have them).
      if (r.hasStatus && r.kind !== 'Node') obj.status = { ...(EMPTY_STATUS[r.kind] ?? {}) };
    },
  };
}

/** A pod's spec without the fields that may change after creation (kube's ValidatePodUpdate). */
function podSpecMutableView(spec: Obj | undefined): Obj {
  const s = structuredClone(spec ?? {});
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of s[list] ?? []) delete c.image;
  }
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  delete s.terminationGracePeriodSeconds;
  return s;
}

function qosClass(spec: Obj | undefined): string {
  const containers: Obj[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) anySet = true;
    for (const res of ['cpu', 'memory']) {
      if (lim[res] === undefined || (req[res] !== undefined && String(req[res]) !== String(lim[res]))) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function pod(r: ResourceInfo): Strategy {
  const base = generic(r);
  return {
    ...base,
    prepareForCreate(obj) {
      obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
    },
    prepareForUpdate(next, prev) {
      const name = prev.metadata.name;
      if (!deepEqual(podSpecMutableView(next.spec), podSpecMutableView(prev.spec))) {
        throw invalid(r.group, r.kind, name, [
          {
            reason: 'FieldValueForbidden',
            field: 'spec',
            message:
              'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          },
        ]);
      }
    },
    gracePeriod(obj, requested) {
      // Unscheduled or finished pods have nothing to stop: delete at once.
      if (!obj.spec?.nodeName) return 0;
      if (obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed') return 0;
      const grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
      return Math.max(0, grace);
    },
  };
}

function namespace(r: ResourceInfo): Strategy {
  const base = generic(r);
  return {
    ...base,
    prepareForCreate(obj) {
      obj.status = { phase: 'Active' };
      obj.spec = { ...(obj.spec ?? {}), finalizers: ['kubernetes'] };
    },
    prepareForUpdate(next, prev) {
      // spec.finalizers change only through /finalize.
      next.spec = { ...(next.spec ?? {}), finalizers: prev.spec?.finalizers ?? [] };
    },
    pendingFinalizers: (obj) => (obj.spec?.finalizers ?? []).length,
  };
}

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

function withData(r: ResourceInfo): Strategy {
  const base = generic(r);
  const convertStringData = (obj: Obj): void => {
    if (r.kind !== 'Secret' || !obj.stringData) return;
    obj.data = { ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v)).toString('base64');
    delete obj.stringData;
  };
  const validate = (obj: Obj, prev?: Obj): Obj => {
    const valid = base.validate(obj, prev);
    const causes: StatusCause[] = [];
    for (const field of ['data', 'binaryData', 'stringData']) {
      for (const key of Object.keys(valid[field] ?? {})) {
        if (!DATA_KEY.test(key) || key.length > 253) {
          causes.push({
            reason: 'FieldValueInvalid',
            field: `${field}[${key}]`,
            message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
          });
        }
      }
    }
    if (causes.length > 0) throw invalid(r.group, r.kind, valid.metadata?.name ?? '', causes);
    return valid;
  };
  return {
    ...base,
    validate,
    prepareForCreate(obj) {
      convertStringData(obj);
    },
    prepareForUpdate(next, prev) {
      convertStringData(next);
      if (prev.immutable === true) {
        const name = prev.metadata.name;
        if (!deepEqual(next.data ?? {}, prev.data ?? {})) {
          throw immutableError(r, name, 'data', 'Forbidden: field is immutable when `immutable` is set');
        }
        if (!deepEqual(next.binaryData ?? {}, prev.binaryData ?? {})) {
          throw immutableError(r, name, 'binaryData', 'Forbidden: field is immutable when `immutable` is set');
        }
        if (next.immutable !== true) throw immutableError(r, name, 'immutable', 'Forbidden: field is immutable when `immutable` is set');
      }
      if (r.kind === 'Secret' && (prev.type ?? 'Opaque') !== (next.type ?? 'Opaque')) throw immutableError(r, prev.metadata.name, 'type');
    },
  };
}

function needsNodePorts(spec: Obj): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

function service(r: ResourceInfo, alloc: Allocator): Strategy {
  const base = generic(r);
  const owner = (obj: Obj): string => `${obj.metadata.namespace}/${obj.metadata.name}`;
  const allocate = async (obj: Obj, prev: Obj | undefined, dryRun: boolean): Promise<SideEffects> => {
    const side: SideEffects = { compares: [], ops: [] };
    const spec = obj.spec ?? (obj.spec = {});
    const name = obj.metadata.name;
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (prev?.spec?.clusterIP && prev.spec.type !== 'ExternalName') {
      // clusterIP is immutable; an update may leave it out and keep it.
      if (spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== prev.spec.clusterIP) {
        throw immutableError(r, name, 'spec.clusterIP', `Invalid value: "${spec.clusterIP}": field is immutable`);
      }
      spec.clusterIP = prev.spec.clusterIP;
      spec.clusterIPs = [prev.spec.clusterIP];
    } else if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    } else {
      const requested = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
      const a = await alloc.allocateIp(owner(obj), requested, 'spec.clusterIP', name);
      spec.clusterIP = a.ip;
      spec.clusterIPs = [a.ip];
      if (!dryRun) side.compares.push(...a.compares), side.ops.push(...a.ops);
    }
    if (spec.type !== 'ExternalName') {
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    // Node ports: keep the ones a port already had, allocate new ones, release dropped ones.
    const prevPorts: Obj[] = prev && needsNodePorts(prev.spec ?? {}) ? (prev.spec.ports ?? []) : [];
    const keep = new Set<number>();
    if (needsNodePorts(spec)) {
      for (const [i, port] of (spec.ports ?? []).entries()) {
        const old = prevPorts.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
        if (port.nodePort === undefined && old?.nodePort) port.nodePort = old.nodePort;
        if (port.nodePort !== undefined && prevPorts.some((p) => p.nodePort === port.nodePort)) {
          keep.add(port.nodePort);
          continue;
        }
        const a = await alloc.allocatePort(owner(obj), port.nodePort, `spec.ports[${i}].nodePort`, name);
        port.nodePort = a.port;
        keep.add(a.port);
        if (!dryRun) side.compares.push(...a.compares), side.ops.push(...a.ops);
      }
    } else {
      for (const port of spec.ports ?? []) delete port.nodePort;
    }
    for (const p of prevPorts) if (p.nodePort && !keep.has(p.nodePort)) side.ops.push(...alloc.releasePort(p.nodePort));
    if (prev?.spec?.clusterIP && prev.spec.clusterIP !== 'None' && spec.type === 'ExternalName') {
      side.ops.push(...alloc.releaseIp(prev.spec.clusterIP));
    }
    return side;
  };
  return {
    ...base,
    validate(obj, prev) {
      const valid = base.validate(obj, prev);
      const spec = valid.spec ?? {};
      if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && !(spec.ports?.length > 0)) {
        throw invalid(r.group, r.kind, valid.metadata?.name ?? '', [{ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' }]);
      }
      return valid;
    },
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
    },
    beforeCreate: (obj, dryRun) => allocate(obj, undefined, dryRun),
    beforeUpdate: (next, prev, dryRun) => allocate(next, prev, dryRun),
    onDelete(obj) {
      const ops = [];
      const ip = obj.spec?.clusterIP;
      if (ip && ip !== 'None' && obj.spec?.type !== 'ExternalName') ops.push(...alloc.releaseIp(ip));
      if (needsNodePorts(obj.spec ?? {})) for (const p of obj.spec.ports ?? []) if (p.nodePort) ops.push(...alloc.releasePort(p.nodePort));
      return ops;
    },
  };
}

export function strategyFor(r: ResourceInfo, alloc: Allocator): Strategy {
  switch (r.kind) {
    case 'Pod':
      return pod(r);
    case 'Namespace':
      return namespace(r);
    case 'ConfigMap':
    case 'Secret':
      return withData(r);
    case 'Service':
      return service(r, alloc);
    default:
      return generic(r);
  }
}
