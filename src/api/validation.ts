/**
 * Validates (and optionally defaults) Kubernetes objects against the JSON Schemas in schemas/,
 * with ajv, then applies the few Kubernetes rules a schema cannot express (validation-rules.ts).
 *
 *   const result = validateObject(manifest, { applyDefaults: true });
 *   if (!result.valid) for (const e of result.errors) console.log(`${e.field}: ${e.message}`);
 *   //                               spec.template.spec.containers[0].image: Required value
 *
 * The caller's object is never mutated: validation works on a JSON copy, returned as `object`.
 * In that copy `null` values are dropped (Kubernetes' JSON decoding treats `field: null` as an
 * absent field, and Helm output is full of them), unknown fields are kept, and with
 * applyDefaults the Kubernetes defaults are filled in.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ObjectMeta } from './generated/index.js';
import { applyCodeDefaults } from './defaults.js';
import { kindInfo, schemaDocuments, schemaRefFor } from './schemas.js';
import { formatValue, validateKindRules } from './validation-rules.js';

export { knownKinds, kindInfo, schemaFor, type KindInfo, type JsonSchema } from './schemas.js';

/** Kubernetes' StatusCause reasons for field errors (metav1.CauseType). */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

/** One problem with one field, e.g. `{ field: 'spec.replicas', message: 'Invalid value: "3": must be of type integer' }`. */
export interface FieldError {
  /** Kubernetes field path: `spec.template.spec.containers[0].image`, `metadata.labels[app.kubernetes.io/name]`; "" for the whole object. */
  field: string;
  /** Message as Kubernetes words it, without the field: `Required value`, `Unsupported value: "x": supported values: "a", "b"`. */
  message: string;
  /** Cause type for a Status' details.causes[].reason. */
  type?: FieldErrorType;
}

/** Anything with apiVersion, kind and metadata: what validateObject returns when T is not given. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type ValidationResult<T = KubeObject> =
  | { valid: true; /** The validated copy: nulls dropped, defaults applied if asked. */ object: T }
  | { valid: false; errors: FieldError[] };

export interface ValidateOptions {
  /** Fill in Kubernetes defaults (replicas: 1, restartPolicy: Always, probe periods, ...) in the returned copy. */
  applyDefaults?: boolean;
}

// ---------------------------------------------------------------------------------------------
// ajv setup: one instance with useDefaults and one without, created and compiled lazily.

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const FORMAT_MESSAGES: Record<string, string> = {
  'date-time': 'must be an RFC 3339 date-time, e.g. "2006-01-02T15:04:05Z"',
  byte: 'must be base64-encoded',
};

/** Schema annotations that are not validation keywords. */
const ANNOTATIONS = ['x-kubernetes-int-or-string', 'x-kubernetes-group-version-kind', 'x-gitplane-resource'];

const instances = new Map<boolean, Ajv>();

function ajvFor(useDefaults: boolean): Ajv {
  let ajv = instances.get(useDefaults);
  if (ajv !== undefined) return ajv;
  ajv = new Ajv({
    allErrors: true,
    verbose: true,
    useDefaults,
    allowUnionTypes: true,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: true,
    strictTuples: true,
    formats: {
      'date-time': { type: 'string', validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)) },
      byte: { type: 'string', validate: (s: string) => BASE64.test(s.replace(/[\r\n]/g, '')) },
    },
  });
  ajv.addVocabulary(ANNOTATIONS);
  for (const schema of schemaDocuments().values()) ajv.addSchema(schema as Record<string, unknown>);
  instances.set(useDefaults, ajv);
  return ajv;
}

function validatorFor(ref: string, useDefaults: boolean): ValidateFunction {
  // ajv compiles on the first getSchema() and caches the function per instance.
  const validate = ajvFor(useDefaults).getSchema(ref);
  if (validate === undefined) throw new Error(`gitplane: schema ${ref} is not registered`);
  return validate;
}

// ---------------------------------------------------------------------------------------------
// Field paths

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function appendField(path: string, segment: string, parentIsArray: boolean): string {
  if (parentIsArray) return `${path}[${segment}]`;
  if (!IDENTIFIER.test(segment)) return `${path}[${segment}]`;
  return path === '' ? segment : `${path}.${segment}`;
}

/**
 * Converts a JSON pointer into `data` (ajv's instancePath, e.g. `/spec/containers/0/image`)
 * into a Kubernetes field path (`spec.containers[0].image`). Array indexes and map keys that
 * are not identifiers (`metadata.labels[app.kubernetes.io/name]`) use brackets.
 */
export function fieldPath(pointer: string, data?: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let node: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const isArray = Array.isArray(node) || (node === undefined && /^\d+$/.test(segment));
    path = appendField(path, segment, isArray);
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}

function describeTypes(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map(String).join(' or ');
}

function supported(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** Turns one ajv error into a Kubernetes-style field error, or undefined to drop it. */
function toFieldError(error: ErrorObject, root: unknown): FieldError | undefined {
  const field = fieldPath(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  const value = formatValue(error.data);
  switch (error.keyword) {
    case 'if':
      // Reported together with the then/else error that caused it.
      return undefined;
    case 'required': {
      const parent = error.instancePath === '' ? root : error.data;
      return {
        field: appendField(field, String(params.missingProperty), Array.isArray(parent)),
        message: 'Required value',
        type: 'FieldValueRequired',
      };
    }
    case 'type':
      return { field, message: `Invalid value: ${value}: must be of type ${describeTypes(params.type)}`, type: 'FieldValueTypeInvalid' };
    case 'enum':
      return {
        field,
        message: `Unsupported value: ${value}: supported values: ${supported(params.allowedValues as unknown[])}`,
        type: 'FieldValueNotSupported',
      };
    case 'const':
      return {
        field,
        message: `Unsupported value: ${value}: supported values: ${supported([params.allowedValue])}`,
        type: 'FieldValueNotSupported',
      };
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const words: Record<string, string> = {
        minimum: 'greater than or equal to',
        exclusiveMinimum: 'greater than',
        maximum: 'less than or equal to',
        exclusiveMaximum: 'less than',
      };
      return { field, message: `Invalid value: ${value}: must be ${words[error.keyword]} ${String(params.limit)}`, type: 'FieldValueInvalid' };
    }
    case 'minLength':
      return { field, message: `Invalid value: ${value}: must be at least ${String(params.limit)} characters`, type: 'FieldValueInvalid' };
    case 'maxLength':
      return { field, message: `Too long: may not be more than ${String(params.limit)} bytes`, type: 'FieldValueTooLong' };
    case 'minItems':
      return params.limit === 1
        ? { field, message: 'Required value', type: 'FieldValueRequired' }
        : { field, message: `Invalid value: must have at least ${String(params.limit)} items`, type: 'FieldValueInvalid' };
    case 'maxItems':
      return {
        field,
        message: `Too many: ${Array.isArray(error.data) ? error.data.length : '?'}: must have at most ${String(params.limit)} items`,
        type: 'FieldValueTooMany',
      };
    case 'pattern':
      if ((error.parentSchema as { title?: unknown } | undefined)?.title === 'Quantity') {
        return { field, message: `Invalid value: ${value}: quantities must match the regular expression '${String(params.pattern)}'`, type: 'FieldValueInvalid' };
      }
      return { field, message: `Invalid value: ${value}: must match the regex ${String(params.pattern)}`, type: 'FieldValueInvalid' };
    case 'format':
      return {
        field,
        message: `Invalid value: ${value}: ${FORMAT_MESSAGES[String(params.format)] ?? `must be a valid ${String(params.format)}`}`,
        type: 'FieldValueInvalid',
      };
    default:
      return { field, message: `Invalid value: ${value}: ${error.message ?? 'is invalid'}`, type: 'FieldValueInvalid' };
  }
}

// ---------------------------------------------------------------------------------------------
// Copying

/**
 * A JSON copy of value with object properties whose value is null or undefined dropped
 * (array elements are kept, so `containers: [null]` is still reported).
 */
function jsonCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : jsonCopy(item)));
  if (typeof value === 'object' && value !== null) {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return jsonCopy((value as { toJSON: () => unknown }).toJSON());
    }
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && v !== undefined && typeof v !== 'function') copy[k] = jsonCopy(v);
    }
    return copy;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.field}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Validates a Kubernetes object (a Pod, a Deployment, an Application, a PodList, ...) by its
 * apiVersion and kind. Never throws for bad input; never mutates obj.
 *
 * Returns `{ valid: true, object }` with a JSON copy of obj (nulls dropped, unknown fields kept,
 * Kubernetes defaults filled in when `applyDefaults`), or `{ valid: false, errors }` with every
 * problem found. An unknown apiVersion/kind is a single error on `kind`.
 */
export function validateObject<T = KubeObject>(obj: unknown, options: ValidateOptions = {}): ValidationResult<T> {
  if (!isPlainObject(obj)) {
    return { valid: false, errors: [{ field: '', message: `Invalid value: ${formatValue(obj)}: must be an object`, type: 'FieldValueTypeInvalid' }] };
  }
  const { apiVersion, kind } = obj;
  const missing: FieldError[] = [];
  if (typeof apiVersion !== 'string' || apiVersion === '') missing.push({ field: 'apiVersion', message: 'Required value', type: 'FieldValueRequired' });
  if (typeof kind !== 'string' || kind === '') missing.push({ field: 'kind', message: 'Required value', type: 'FieldValueRequired' });
  if (missing.length > 0) return { valid: false, errors: missing };
  const ref = schemaRefFor(apiVersion as string, kind as string);
  if (ref === undefined) {
    return {
      valid: false,
      errors: [
        {
          field: 'kind',
          message: `Unsupported value: ${JSON.stringify(kind)}: no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`,
          type: 'FieldValueNotSupported',
        },
      ],
    };
  }

  const applyDefaults = options.applyDefaults === true;
  const copy = jsonCopy(obj) as Record<string, unknown>;
  if (applyDefaults) applyCodeDefaults(copy);
  const validate = validatorFor(ref, applyDefaults);
  validate(copy);
  const errors: FieldError[] = [];
  for (const error of validate.errors ?? []) {
    const fieldError = toFieldError(error, copy);
    if (fieldError !== undefined) errors.push(fieldError);
  }
  if (kindInfo(apiVersion as string, kind as string) !== undefined) {
    errors.push(...validateKindRules(copy));
  } else if (Array.isArray(copy.items)) {
    // A list kind: the rules apply to each item.
    copy.items.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      for (const e of validateKindRules(item)) errors.push({ ...e, field: e.field === '' ? `items[${i}]` : `items[${i}].${e.field}` });
    });
  }
  if (errors.length > 0) return { valid: false, errors: dedupe(errors) };
  return { valid: true, object: copy as T };
}
