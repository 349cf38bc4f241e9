// The resources the API server serves, derived from the schemas' kinds: how
// each maps to URLs and to store keys, and which subresources it has.
//
// Store keys follow kube-apiserver's layout: /registry/<resource>/<ns>/<name>
// for the core group, /registry/<group>/<resource>/<ns>/<name> otherwise,
// without the namespace segment for cluster-scoped resources.

import { knownKinds, type KindInfo } from '../../api/schemas.js';
import type { GroupResource } from '../../api/status.js';

export interface ResourceInfo extends KindInfo {
  /** "" for core, e.g. "apps". */
  group: string;
  /** Prefix of every key of this resource, ending in "/". */
  prefix: string;
  /** Has a /status subresource: spec and status are written separately. */
  hasStatus: boolean;
  /** Has a /scale subresource (autoscaling/v1 Scale). */
  hasScale: boolean;
  /** metadata.generation tracks spec changes. */
  tracksGeneration: boolean;
  gr: GroupResource;
}

const WITH_STATUS = new Set([
  'Pod',
  'Node',
  'Service',
  'Namespace',
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Application',
]);
const WITH_SCALE = new Set(['Deployment', 'ReplicaSet']);
// As kube 1.31: pods and services carry no metadata.generation either.
const NO_GENERATION = new Set(['ConfigMap', 'Secret', 'Event', 'Lease', 'Endpoints', 'Namespace', 'Node', 'Pod', 'Service']);

export function storagePrefix(info: Pick<KindInfo, 'group' | 'plural'>): string {
  return info.group ? `/registry/${info.group}/${info.plural}/` : `/registry/${info.plural}/`;
}

function build(kind: KindInfo): ResourceInfo {
  return {
    ...kind,
    prefix: storagePrefix(kind),
    hasStatus: WITH_STATUS.has(kind.kind),
    hasScale: WITH_SCALE.has(kind.kind),
    tracksGeneration: !NO_GENERATION.has(kind.kind),
    gr: { group: kind.group, resource: kind.plural },
  };
}

export class ResourceTable {
  readonly all: ResourceInfo[];
  private readonly byPath = new Map<string, ResourceInfo>();
  private readonly byKind = new Map<string, ResourceInfo>();

  constructor(kinds: KindInfo[] = knownKinds()) {
    this.all = kinds.map(build);
    for (const r of this.all) {
      this.byPath.set(`${r.group}/${r.version}/${r.plural}`, r);
      this.byKind.set(`${r.apiVersion}/${r.kind}`, r);
    }
  }

  /** By URL parts: group ("" for core), version, plural. */
  lookup(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  forKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  get(kind: string): ResourceInfo {
    const r = this.all.find((x) => x.kind === kind);
    if (!r) throw new Error(`no resource for kind ${kind}`);
    return r;
  }

  /** Group/versions served, for discovery and routing. */
  groupVersions(): Array<{ group: string; version: string }> {
    const seen = new Map<string, { group: string; version: string }>();
    for (const r of this.all) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
    return [...seen.values()];
  }
}

/** The store key of one object. */
export function objectKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${r.prefix}${namespace}/${name}` : `${r.prefix}${name}`;
}

/** The key prefix of a list: all of a resource, or one namespace's. */
export function listPrefix(r: ResourceInfo, namespace: string | undefined): string {
  return r.namespaced && namespace ? `${r.prefix}${namespace}/` : r.prefix;
}
