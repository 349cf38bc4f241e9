/**
 * Field selectors, as k8s.io/apimachinery/pkg/fields parses and matches them
 * (`?fieldSelector=spec.nodeName=node-1,status.phase!=Succeeded`), and the field sets the API
 * server exposes per kind (each registry's GetAttrs/ToSelectableFields in k8s.io/kubernetes).
 *
 * Terms are `field=value`, `field==value` or `field!=value`, joined by commas (AND). In a
 * value, `\,` `\=` and `\\` escape a comma, an equals sign and a backslash; an unescaped
 * `,` or `=` in a value is an error. A field absent from the object's set compares as "".
 */
import { badRequest } from './status.js';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '==' | '!=';
  /** Unescaped. */
  readonly value: string;
}

export type Fields = Readonly<Record<string, string>>;

export interface FieldSelector {
  matches(fields: Fields): boolean;
  /** True when the selector does not restrict anything. */
  empty(): boolean;
  /** The canonical form: terms sorted, `==` printed as `=`, values escaped. */
  toString(): string;
  readonly requirements: readonly FieldRequirement[];
  /** The value a `field=v` or `field==v` term pins, if any. */
  requiresExactMatch(field: string): string | undefined;
}

/** Escapes `\`, `,` and `=` in a field selector value. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Undoes escapeFieldValue; throws a 400 StatusError for bad escapes and unescaped `,` or `=`. */
export function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = '';
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw badRequest(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not escaped. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

/** Splits a term at the first operator; the field name cannot contain one. */
function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function termString(r: FieldRequirement): string {
  return `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`;
}

class TermsSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: FieldRequirement[]) {
    this.requirements = Object.freeze(requirements.map((r) => Object.freeze({ ...r })));
  }

  matches(fields: Fields): boolean {
    return this.requirements.every((r) => {
      const actual = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
      return r.operator === '!=' ? actual !== r.value : actual === r.value;
    });
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map(termString).join(',');
  }

  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
  }
}

/**
 * Parses a field selector. An empty string selects everything. Throws a 400 StatusError with
 * Kubernetes' message for a term without an operator or a badly escaped value.
 */
export function parseFieldSelector(text: string): FieldSelector {
  const parts = splitTerms(text).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [field, operator, raw] = split;
    requirements.push({ field, operator, value: unescapeFieldValue(raw) });
  }
  return new TermsSelector(requirements);
}

/** `field=value` for every entry; an empty or missing set selects everything. */
export function fieldSelectorFromSet(set: Record<string, string> | null | undefined): FieldSelector {
  const entries = Object.entries(set ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new TermsSelector(entries.map(([field, value]) => ({ field, operator: '=', value })));
}

/**
 * The value the selector pins `field` to with `=` or `==`, if any; the server uses it to
 * narrow a list to one key (metadata.name, metadata.namespace).
 */
export function requirementFor(selector: FieldSelector, field: string): string | undefined {
  return selector.requiresExactMatch(field);
}

// ---- the selectable fields of each kind ----

const OBJECT_META_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

/** kind → the fields beyond metadata.name and metadata.namespace that its registry exposes. */
const KIND_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
  Job: ['status.successful'],
};

/** The field selector labels the API server supports for a kind, in a stable order. */
export function supportedFields(kind: string): readonly string[] {
  const extra = Object.prototype.hasOwnProperty.call(KIND_FIELDS, kind) ? KIND_FIELDS[kind] : [];
  return [...OBJECT_META_FIELDS, ...extra];
}

/**
 * Throws a 400 StatusError (`field label not supported: x`) for the first term naming a
 * field the kind does not support.
 */
export function validateFieldSelector(selector: FieldSelector, kind: string): void {
  const supported = new Set(supportedFields(kind));
  for (const r of selector.requirements) {
    if (!supported.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
  }
}

type Obj = Record<string, unknown>;

function get(obj: unknown, ...path: string[]): unknown {
  let node = obj;
  for (const p of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Obj)[p];
  }
  return node;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function bool(value: unknown): string {
  return value === true ? 'true' : 'false';
}

function int(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(Math.trunc(value)) : '0';
}

/**
 * The field set an object exposes to field selectors: metadata.name and metadata.namespace
 * always, plus its kind's own fields (see supportedFields). Absent fields are "" (booleans
 * "false", counts "0"), as the Go structs' zero values print.
 */
export function fieldsOf(obj: unknown): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': str(get(obj, 'metadata', 'name')),
    'metadata.namespace': str(get(obj, 'metadata', 'namespace')),
  };
  switch (get(obj, 'kind')) {
    case 'Pod': {
      const podIPs = get(obj, 'status', 'podIPs');
      const firstIP = Array.isArray(podIPs) && podIPs.length > 0 ? str(get(podIPs[0], 'ip')) : str(get(obj, 'status', 'podIP'));
      Object.assign(fields, {
        'spec.nodeName': str(get(obj, 'spec', 'nodeName')),
        'spec.restartPolicy': str(get(obj, 'spec', 'restartPolicy')),
        'spec.schedulerName': str(get(obj, 'spec', 'schedulerName')),
        'spec.serviceAccountName': str(get(obj, 'spec', 'serviceAccountName')),
        'spec.hostNetwork': bool(get(obj, 'spec', 'hostNetwork')),
        'status.phase': str(get(obj, 'status', 'phase')),
        'status.podIP': firstIP,
        'status.nominatedNodeName': str(get(obj, 'status', 'nominatedNodeName')),
      });
      break;
    }
    case 'Event': {
      const io = (name: string): string => str(get(obj, 'involvedObject', name));
      const reportingComponent = str(get(obj, 'reportingComponent'));
      Object.assign(fields, {
        'involvedObject.kind': io('kind'),
        'involvedObject.namespace': io('namespace'),
        'involvedObject.name': io('name'),
        'involvedObject.uid': io('uid'),
        'involvedObject.apiVersion': io('apiVersion'),
        'involvedObject.resourceVersion': io('resourceVersion'),
        'involvedObject.fieldPath': io('fieldPath'),
        reason: str(get(obj, 'reason')),
        reportingComponent,
        source: str(get(obj, 'source', 'component')) || reportingComponent,
        type: str(get(obj, 'type')),
      });
      break;
    }
    case 'Secret':
      fields.type = str(get(obj, 'type'));
      break;
    case 'Node':
      fields['spec.unschedulable'] = bool(get(obj, 'spec', 'unschedulable'));
      break;
    case 'Namespace':
      fields['status.phase'] = str(get(obj, 'status', 'phase'));
      break;
    case 'ReplicaSet':
      fields['status.replicas'] = int(get(obj, 'status', 'replicas'));
      break;
    case 'Job':
      fields['status.successful'] = int(get(obj, 'status', 'succeeded'));
      break;
  }
  return fields;
}
