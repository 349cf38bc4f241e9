/**
 * Kubernetes validation rules a JSON Schema cannot express: object names, label syntax, a
 * workload's selector matching its template, and the restart policies a workload allows.
 * Runs on the JSON copy made by validateObject (so it must cope with malformed input: the
 * schema errors are reported separately).
 */
import type { FieldError } from './validation.js';
import { kindInfo } from './schemas.js';

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Formats a value the way Kubernetes error messages quote it: `"abc"`, `3`, `{"app":"x"}`. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'null';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Names (k8s.io/apimachinery/pkg/util/validation)

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';

type NameRule = (name: string) => string | undefined;

const isDNS1123Label: NameRule = (name) => {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!new RegExp(`^${DNS1123_LABEL}$`).test(name)) {
    return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`;
  }
  return undefined;
};

const isDNS1123Subdomain: NameRule = (name) => {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!new RegExp(`^${DNS1123_SUBDOMAIN}$`).test(name)) {
    return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`;
  }
  return undefined;
};

const isDNS1035Label: NameRule = (name) => {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!new RegExp(`^${DNS1035_LABEL}$`).test(name)) {
    return `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL}')`;
  }
  return undefined;
};

/** Kinds whose names are not DNS-1123 subdomains. */
const NAME_RULES: Record<string, NameRule> = {
  Namespace: isDNS1123Label,
  Service: isDNS1035Label,
};

/** A label or annotation key: an optional DNS subdomain prefix and "/", then a qualified name. */
function qualifiedNameProblems(key: string): string[] {
  const problems: string[] = [];
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) problems.push('prefix part must be non-empty');
    else {
      const p = isDNS1123Subdomain(prefix);
      if (p !== undefined) problems.push(`prefix part ${p}`);
    }
  } else if (parts.length > 2) {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push('name part must be no more than 63 characters');
  else if (!new RegExp(`^${QUALIFIED_NAME}$`).test(name)) {
    problems.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`,
    );
  }
  return problems;
}

function labelValueProblems(value: string): string[] {
  if (value.length > 63) return ['must be no more than 63 characters'];
  if (value !== '' && !new RegExp(`^${QUALIFIED_NAME}$`).test(value)) {
    return [
      `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(${QUALIFIED_NAME})?')`,
    ];
  }
  return [];
}

function validateLabels(labels: unknown, field: string): FieldError[] {
  if (!isObj(labels)) return [];
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const problem of qualifiedNameProblems(key)) {
      errors.push({ field, message: `Invalid value: ${formatValue(key)}: ${problem}`, type: 'FieldValueInvalid' });
    }
    if (typeof value === 'string') {
      for (const problem of labelValueProblems(value)) {
        errors.push({ field, message: `Invalid value: ${formatValue(value)}: ${problem}`, type: 'FieldValueInvalid' });
      }
    }
  }
  return errors;
}

function validateObjectMeta(obj: Obj, kind: string, namespaced: boolean): FieldError[] {
  const meta = obj.metadata;
  if (!isObj(meta)) return [];
  const errors: FieldError[] = [];
  const { name, generateName, namespace } = meta;
  if ((typeof name !== 'string' || name === '') && (typeof generateName !== 'string' || generateName === '')) {
    errors.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', type: 'FieldValueRequired' });
  } else if (typeof name === 'string' && name !== '') {
    const problem = (NAME_RULES[kind] ?? isDNS1123Subdomain)(name);
    if (problem !== undefined) errors.push({ field: 'metadata.name', message: `Invalid value: ${formatValue(name)}: ${problem}`, type: 'FieldValueInvalid' });
  }
  if (typeof namespace === 'string' && namespace !== '') {
    if (!namespaced) {
      errors.push({ field: 'metadata.namespace', message: 'Forbidden: not allowed on this type', type: 'FieldValueForbidden' });
    } else {
      const problem = isDNS1123Label(namespace);
      if (problem !== undefined) {
        errors.push({ field: 'metadata.namespace', message: `Invalid value: ${formatValue(namespace)}: ${problem}`, type: 'FieldValueInvalid' });
      }
    }
  }
  errors.push(...validateLabels(meta.labels, 'metadata.labels'));
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** Where each kind keeps its pod template (or, for Pod, its spec), as a field path. */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The PodSpec inside an object of this kind, if any: Pod's spec or a template's spec. */
export function podSpecOf(obj: Obj): { spec: Obj; field: string; isPod: boolean } | undefined {
  const kind = String(obj.kind);
  const path = kind === 'Pod' ? ['spec'] : POD_TEMPLATE_PATHS[kind] !== undefined ? [...POD_TEMPLATE_PATHS[kind], 'spec'] : undefined;
  if (path === undefined) return undefined;
  let node: unknown = obj;
  for (const part of path) node = isObj(node) ? node[part] : undefined;
  return isObj(node) ? { spec: node, field: path.join('.'), isPod: kind === 'Pod' } : undefined;
}

function matchesSelector(selector: Obj, labels: Obj): boolean {
  if (isObj(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false;
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const requirement of selector.matchExpressions) {
      if (!isObj(requirement)) continue;
      const key = String(requirement.key);
      const values = Array.isArray(requirement.values) ? requirement.values : [];
      const has = Object.prototype.hasOwnProperty.call(labels, key);
      switch (requirement.operator) {
        case 'In':
          if (!has || !values.includes(labels[key])) return false;
          break;
        case 'NotIn':
          if (has && values.includes(labels[key])) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
      }
    }
  }
  return true;
}

function isEmptySelector(selector: Obj): boolean {
  const labels = isObj(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.length : 0;
  return labels + expressions === 0;
}

function validateWorkload(obj: Obj): FieldError[] {
  const kind = String(obj.kind);
  const templatePath = POD_TEMPLATE_PATHS[kind];
  if (templatePath === undefined) return [];
  const errors: FieldError[] = [];
  let template: unknown = obj;
  for (const part of templatePath) template = isObj(template) ? template[part] : undefined;
  const templateField = templatePath.join('.');
  const templateMeta = isObj(template) && isObj(template.metadata) ? template.metadata : undefined;
  if (templateMeta !== undefined) errors.push(...validateLabels(templateMeta.labels, `${templateField}.metadata.labels`));

  // Deployment, ReplicaSet, DaemonSet: a non-empty selector that selects the template's pods.
  if (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'DaemonSet') {
    const spec = isObj(obj.spec) ? obj.spec : undefined;
    if (spec !== undefined && isObj(spec.selector)) {
      const labels = templateMeta !== undefined && isObj(templateMeta.labels) ? templateMeta.labels : {};
      if (isEmptySelector(spec.selector)) {
        errors.push({
          field: 'spec.selector',
          message: `Invalid value: ${formatValue(spec.selector)}: empty selector is invalid for ${kind.toLowerCase()}`,
          type: 'FieldValueInvalid',
        });
      } else if (template !== undefined && !matchesSelector(spec.selector, labels)) {
        errors.push({
          field: `${templateField}.metadata.labels`,
          message: `Invalid value: ${formatValue(labels)}: \`selector\` does not match template \`labels\``,
          type: 'FieldValueInvalid',
        });
      }
    }
  }

  // The restart policies each workload allows; an unset policy is defaulted to Always.
  const podSpec = podSpecOf(obj);
  if (podSpec !== undefined) {
    const allowed = kind === 'Job' || kind === 'CronJob' ? ['OnFailure', 'Never'] : ['Always'];
    const policy = podSpec.spec.restartPolicy ?? 'Always';
    if (typeof policy === 'string' && !allowed.includes(policy)) {
      errors.push({
        field: `${podSpec.field}.restartPolicy`,
        message: `Unsupported value: ${formatValue(policy)}: supported values: ${allowed.map((p) => JSON.stringify(p)).join(', ')}`,
        type: 'FieldValueNotSupported',
      });
    }
  }
  return errors;
}

function validatePodSpec(obj: Obj): FieldError[] {
  const podSpec = podSpecOf(obj);
  if (podSpec === undefined) return [];
  const errors: FieldError[] = [];
  // Container names are unique across containers and initContainers.
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers']) {
    const containers = podSpec.spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, i) => {
      if (!isObj(container) || typeof container.name !== 'string') return;
      const field = `${podSpec.field}.${list}[${i}].name`;
      if (seen.has(container.name)) {
        errors.push({ field, message: `Duplicate value: ${formatValue(container.name)}`, type: 'FieldValueDuplicate' });
      }
      seen.add(container.name);
    });
  }
  // Every volumeMount names a volume of the pod.
  const volumes = new Set(
    (Array.isArray(podSpec.spec.volumes) ? podSpec.spec.volumes : []).flatMap((v) => (isObj(v) && typeof v.name === 'string' ? [v.name] : [])),
  );
  for (const list of ['initContainers', 'containers']) {
    const containers = podSpec.spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, i) => {
      if (!isObj(container) || !Array.isArray(container.volumeMounts)) return;
      container.volumeMounts.forEach((mount, j) => {
        if (isObj(mount) && typeof mount.name === 'string' && !volumes.has(mount.name)) {
          errors.push({
            field: `${podSpec.field}.${list}[${i}].volumeMounts[${j}].name`,
            message: `Not found: ${formatValue(mount.name)}`,
            type: 'FieldValueNotFound',
          });
        }
      });
    });
  }
  return errors;
}

/** The kind-specific rules for obj (whose apiVersion/kind gitplane serves). */
export function validateKindRules(obj: Obj): FieldError[] {
  const info = kindInfo(String(obj.apiVersion), String(obj.kind));
  if (info === undefined) return [];
  return [...validateObjectMeta(obj, info.kind, info.namespaced), ...validateWorkload(obj), ...validatePodSpec(obj)];
}
