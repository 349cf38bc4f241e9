// The types of ObjectMeta fields in a request body, checked as Go's JSON
// decoder would: a uid that is a number or labels that are a list are a 400
// before any server-set field overwrites them and hides the mistake.

import { badRequest } from '../api/status.js';

type Check = 'string' | 'integer' | 'stringMap' | 'stringList' | 'objectList';

const FIELDS: Record<string, Check> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  uid: 'string',
  resourceVersion: 'string',
  selfLink: 'string',
  creationTimestamp: 'string',
  deletionTimestamp: 'string',
  deletionGracePeriodSeconds: 'integer',
  generation: 'integer',
  labels: 'stringMap',
  annotations: 'stringMap',
  finalizers: 'stringList',
  ownerReferences: 'objectList',
  managedFields: 'objectList',
};

const GO_TYPES: Record<Check, string> = {
  string: 'string',
  integer: 'int64',
  stringMap: 'map[string]string',
  stringList: '[]string',
  objectList: '[]object',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ok(check: Check, v: unknown): boolean {
  switch (check) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'stringMap':
      return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
    case 'stringList':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'objectList':
      return Array.isArray(v) && v.every(isObject);
  }
}

export function checkMetadataTypes(metadata: unknown): void {
  if (metadata === undefined || metadata === null) return;
  if (!isObject(metadata)) throw badRequest(`json: cannot unmarshal ${typeof metadata} into Go struct field .metadata of type v1.ObjectMeta`);
  for (const [field, check] of Object.entries(FIELDS)) {
    const v = metadata[field];
    if (v === undefined || v === null) continue;
    if (!ok(check, v)) {
      throw badRequest(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go struct field ObjectMeta.metadata.${field} of type ${GO_TYPES[check]}`);
    }
  }
  // As kube's ValidateManagedFields.
  for (const [i, entry] of ((metadata.managedFields ?? []) as Array<Record<string, unknown>>).entries()) {
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') {
      throw badRequest(`metadata.managedFields[${i}].operation: Unsupported value: ${JSON.stringify(entry.operation ?? '')}: supported values: "Apply", "Update"`);
    }
    if (entry.fieldsType !== undefined && entry.fieldsType !== 'FieldsV1') {
      throw badRequest(`metadata.managedFields[${i}].fieldsType: Unsupported value: ${JSON.stringify(entry.fieldsType)}: supported values: "FieldsV1"`);
    }
    if (entry.manager !== undefined && typeof entry.manager !== 'string') throw badRequest(`metadata.managedFields[${i}].manager must be a string`);
  }
}
