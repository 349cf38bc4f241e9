/**
 * Strategic merge patch metadata for the kinds gitplane serves: which lists merge (and by
 * which key), which maps are replaced whole, and which fields keep only the keys a patch's
 * `$retainKeys` names.
 *
 * Kubernetes keeps this in Go struct tags (`patchStrategy:"merge" patchMergeKey:"name"`) on
 * the types in k8s.io/api (core/v1, apps/v1, batch/v1) and k8s.io/apimachinery (meta/v1
 * ObjectMeta). The table below mirrors those tags type by type, so a type used in several
 * places (PodSpec in a Pod, a Deployment's template and a CronJob's job template) is written
 * once. Anything not listed behaves as Kubernetes' untagged fields do: objects merge key by
 * key, lists (including lists of objects such as tolerations, envFrom, taints, endpoint
 * subsets and LabelSelector matchExpressions) are replaced whole.
 */

/** The patch behaviour of one object type: its tagged fields. */
export interface PatchMeta {
  readonly fields?: Readonly<Record<string, FieldPatchMeta>>;
}

/** The patch behaviour of one field. */
export interface FieldPatchMeta {
  /**
   * For lists: "merge" merges lists of objects by `mergeKey` and lists of scalars as sets;
   * absent means the list is replaced. For objects: "replace" replaces the whole object;
   * absent means it merges key by key.
   */
  readonly strategy?: 'merge' | 'replace';
  /** The member identifying an element of a merged list of objects, e.g. "name". */
  readonly mergeKey?: string;
  /** `patchStrategy: retainKeys`: diffs send `$retainKeys` so keys absent from the new value are cleared. */
  readonly retainKeys?: boolean;
  /** The type of the field's value (of each element, for a list). */
  readonly meta?: PatchMeta;
}

function mergeBy(mergeKey: string, meta?: PatchMeta, retainKeys = false): FieldPatchMeta {
  return { strategy: 'merge', mergeKey, ...(meta ? { meta } : {}), ...(retainKeys ? { retainKeys } : {}) };
}
const scalarSet: FieldPatchMeta = { strategy: 'merge' };
function struct(fields: Record<string, FieldPatchMeta>): PatchMeta {
  return { fields };
}
function nested(meta: PatchMeta): FieldPatchMeta {
  return { meta };
}

// meta/v1
const ObjectMeta = struct({
  ownerReferences: mergeBy('uid'),
  finalizers: scalarSet,
});
/** metav1.Condition and the per-kind condition types all merge by `type`. */
const conditions = mergeBy('type');

// core/v1
const Container = struct({
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
});
const PodSpec = struct({
  volumes: mergeBy('name', undefined, true),
  initContainers: mergeBy('name', Container),
  containers: mergeBy('name', Container),
  ephemeralContainers: mergeBy('name', Container),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeBy('name', undefined, true),
});
const PodStatus = struct({
  conditions,
  podIPs: mergeBy('ip'),
  hostIPs: mergeBy('ip'),
  resourceClaimStatuses: mergeBy('name', undefined, true),
});
const PodTemplateSpec = struct({ metadata: nested(ObjectMeta), spec: nested(PodSpec) });

const Pod = struct({ metadata: nested(ObjectMeta), spec: nested(PodSpec), status: nested(PodStatus) });
const Namespace = struct({ metadata: nested(ObjectMeta), status: nested(struct({ conditions })) });
const Node = struct({
  metadata: nested(ObjectMeta),
  spec: nested(struct({ podCIDRs: scalarSet })),
  status: nested(struct({ conditions, addresses: mergeBy('type') })),
});
const Service = struct({
  metadata: nested(ObjectMeta),
  spec: nested(struct({ ports: mergeBy('port') })),
  status: nested(struct({ conditions })),
});
/** Kinds whose only tagged fields are in their ObjectMeta. */
const MetadataOnly = struct({ metadata: nested(ObjectMeta) });

// apps/v1
const workload = (spec: PatchMeta): PatchMeta =>
  struct({ metadata: nested(ObjectMeta), spec: nested(spec), status: nested(struct({ conditions })) });
const Deployment = workload(struct({ template: nested(PodTemplateSpec), strategy: { retainKeys: true } }));
const ReplicaSet = workload(struct({ template: nested(PodTemplateSpec) }));
const DaemonSet = workload(struct({ template: nested(PodTemplateSpec) }));

// batch/v1
const JobSpec = struct({ template: nested(PodTemplateSpec) });
const Job = workload(JobSpec);
const CronJob = struct({
  metadata: nested(ObjectMeta),
  spec: nested(struct({ jobTemplate: nested(struct({ metadata: nested(ObjectMeta), spec: nested(JobSpec) })) })),
});

/** `${group}/${kind}` ("" group for core) → the kind's patch metadata. */
const KINDS: ReadonlyMap<string, PatchMeta> = new Map([
  ['/Namespace', Namespace],
  ['/Pod', Pod],
  ['/Node', Node],
  ['/Service', Service],
  ['/Endpoints', MetadataOnly],
  ['/ConfigMap', MetadataOnly],
  ['/Secret', MetadataOnly],
  ['/Event', MetadataOnly],
  ['coordination.k8s.io/Lease', MetadataOnly],
  ['apps/Deployment', Deployment],
  ['apps/ReplicaSet', ReplicaSet],
  ['apps/DaemonSet', DaemonSet],
  ['batch/Job', Job],
  ['batch/CronJob', CronJob],
]);

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The strategic merge patch metadata of a built-in kind, or undefined for kinds that have
 * none (gitplane's Application, custom resources), which patch as JSON merge patches.
 */
export function patchMetaFor(apiVersion: string, kind: string): PatchMeta | undefined {
  return KINDS.get(`${groupOf(apiVersion)}/${kind}`);
}

/** One tagged field, as mergeKeysFor lists it. */
export interface PatchFieldInfo extends Omit<FieldPatchMeta, 'meta'> {
  /** Dotted path from the object root; `[]` marks the elements of a list, e.g. "spec.containers[].env". */
  readonly path: string;
}

/**
 * Every tagged field of a kind, flattened to dotted paths, e.g. for a Deployment
 * `{ path: "spec.template.spec.containers", strategy: "merge", mergeKey: "name" }`.
 * Empty for kinds without strategic merge metadata.
 */
export function mergeKeysFor(apiVersion: string, kind: string): PatchFieldInfo[] {
  const out: PatchFieldInfo[] = [];
  const walk = (meta: PatchMeta | undefined, prefix: string): void => {
    for (const [name, field] of Object.entries(meta?.fields ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const { meta: child, ...info } = field;
      if (info.strategy !== undefined || info.mergeKey !== undefined || info.retainKeys) out.push({ path, ...info });
      if (child) walk(child, info.strategy === 'merge' ? `${path}[]` : path);
    }
  };
  walk(patchMetaFor(apiVersion, kind), '');
  return out;
}
