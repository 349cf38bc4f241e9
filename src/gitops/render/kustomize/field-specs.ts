// Where kustomize's transformers write inside each kind gitplane serves (its "field
// specs"): pod specs for images and name references, selectors and pod templates for
// commonLabels, pod templates for commonAnnotations.

type Obj = Record<string, unknown>;

/** A path into an object, and whether missing parents are created (kustomize's `create`). */
export interface FieldSpec {
  path: string[];
  create: boolean;
}

const TEMPLATE = ['spec', 'template'];
const JOB_TEMPLATE = ['spec', 'jobTemplate'];
const CRONJOB_TEMPLATE = [...JOB_TEMPLATE, 'spec', 'template'];

const POD_SPECS: Record<string, string[][]> = {
  Pod: [['spec']],
  Deployment: [[...TEMPLATE, 'spec']],
  ReplicaSet: [[...TEMPLATE, 'spec']],
  DaemonSet: [[...TEMPLATE, 'spec']],
  Job: [[...TEMPLATE, 'spec']],
  CronJob: [[...CRONJOB_TEMPLATE, 'spec']],
};

const spec = (path: string[], create = true): FieldSpec => ({ path, create });

/** Label maps commonLabels extends, besides metadata.labels. */
export const LABEL_SPECS: Record<string, FieldSpec[]> = {
  Deployment: [spec(['spec', 'selector', 'matchLabels']), spec([...TEMPLATE, 'metadata', 'labels'])],
  ReplicaSet: [spec(['spec', 'selector', 'matchLabels']), spec([...TEMPLATE, 'metadata', 'labels'])],
  DaemonSet: [spec(['spec', 'selector', 'matchLabels']), spec([...TEMPLATE, 'metadata', 'labels'])],
  Job: [spec(['spec', 'selector', 'matchLabels'], false), spec([...TEMPLATE, 'metadata', 'labels'])],
  CronJob: [
    spec([...JOB_TEMPLATE, 'metadata', 'labels']),
    spec([...JOB_TEMPLATE, 'spec', 'selector', 'matchLabels'], false),
    spec([...CRONJOB_TEMPLATE, 'metadata', 'labels']),
  ],
  Service: [spec(['spec', 'selector'])],
};

/** Annotation maps commonAnnotations extends, besides metadata.annotations. */
export const ANNOTATION_SPECS: Record<string, FieldSpec[]> = {
  Deployment: [spec([...TEMPLATE, 'metadata', 'annotations'])],
  ReplicaSet: [spec([...TEMPLATE, 'metadata', 'annotations'])],
  DaemonSet: [spec([...TEMPLATE, 'metadata', 'annotations'])],
  Job: [spec([...TEMPLATE, 'metadata', 'annotations'])],
  CronJob: [spec([...JOB_TEMPLATE, 'metadata', 'annotations']), spec([...CRONJOB_TEMPLATE, 'metadata', 'annotations'])],
};

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `path` (created when `create`), or undefined. */
export function objectAt(root: Obj, path: string[], create: boolean): Obj | undefined {
  let node: Obj = root;
  for (const key of path) {
    const next = node[key];
    if (isObj(next)) {
      node = next;
      continue;
    }
    if (!create || (next !== undefined && next !== null)) return undefined;
    const created: Obj = {};
    node[key] = created;
    node = created;
  }
  return node;
}

/** The pod specs inside an object of `kind` (only those present). */
export function podSpecsOf(obj: Obj, kind: string): Obj[] {
  return (POD_SPECS[kind] ?? []).map((p) => objectAt(obj, p, false)).filter((s): s is Obj => s !== undefined);
}

/** containers, initContainers and ephemeralContainers of a pod spec. */
export function containersOf(podSpec: Obj): Obj[] {
  const out: Obj[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = podSpec[field];
    if (Array.isArray(list)) for (const c of list) if (isObj(c)) out.push(c);
  }
  return out;
}
