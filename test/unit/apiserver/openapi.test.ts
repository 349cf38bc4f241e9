import { describe, expect, it } from 'vitest';
import { knownKinds } from '../../../src/api/schemas.js';
import {
  encodeOpenApiDocument,
  groupVersionKindYaml,
  objectPath,
  OPENAPI_V2_CONTENT_TYPE,
  openapiV2Protobuf,
  patchOperationId,
} from '../../../src/apiserver/openapi.js';

/** A protobuf field as read off the wire: varints as numbers, length-delimited as bytes. */
interface Field {
  field: number;
  wire: number;
  value: number | Buffer;
}

/** A minimal protobuf reader (wire types 0 and 2: all this message uses). */
function decode(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++];
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 0x80;
    }
  };
  while (pos < buf.length) {
    const key = readVarint();
    const wire = key & 7;
    const field = key >>> 3;
    if (wire === 0) {
      fields.push({ field, wire, value: readVarint() });
    } else if (wire === 2) {
      const len = readVarint();
      if (pos + len > buf.length) throw new Error('truncated field');
      fields.push({ field, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return fields;
}

function all(buf: Buffer, field: number): Buffer[] {
  return decode(buf)
    .filter((f) => f.field === field)
    .map((f) => f.value as Buffer);
}

function one(buf: Buffer, field: number): Buffer {
  const found = all(buf, field);
  expect(found, `field ${field}`).toHaveLength(1);
  return found[0];
}

function str(buf: Buffer, field: number): string {
  return one(buf, field).toString('utf8');
}

describe('openapi v2 protobuf', () => {
  it('encodes the 32-byte minimal document byte for byte', () => {
    const minimal = encodeOpenApiDocument({ swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.20.2' }, paths: [] });
    expect(minimal.toString('hex')).toBe('0a03322e3012150a0a4b756265726e65746573120776312e32302e3242004a00');
    expect(minimal).toHaveLength(32);
  });

  it('is served as application/octet-stream (not the Accept value, which kubectl 1.20 cannot parse)', () => {
    expect(OPENAPI_V2_CONTENT_TYPE).toBe('application/octet-stream');
  });

  it('has swagger 2.0, a Kubernetes 1.31 info block and empty definitions', () => {
    const doc = openapiV2Protobuf();
    expect(str(doc, 1)).toBe('2.0');
    const info = one(doc, 2);
    expect(str(info, 1)).toBe('Kubernetes');
    expect(str(info, 2)).toBe('v1.31.4');
    expect(one(doc, 9)).toHaveLength(0);
    expect(decode(doc).map((f) => f.field)).toEqual([1, 2, 8, 9]);
  });

  it('has one PATCH path per kind with dryRun/fieldManager/fieldValidation and the GVK extension', () => {
    const doc = openapiV2Protobuf();
    const paths = all(one(doc, 8), 2);
    const kinds = knownKinds();
    expect(paths).toHaveLength(kinds.length);
    const byName = new Map(paths.map((p) => [str(p, 1), one(p, 2)]));
    for (const k of kinds) {
      const item = byName.get(objectPath(k));
      expect(item, objectPath(k)).toBeDefined();
      const patch = one(item!, 8);
      expect(str(patch, 5)).toBe(patchOperationId(k));
      const params = all(patch, 8).map((p) => {
        // ParametersItem.parameter(1) → Parameter.non_body_parameter(2) → NonBodyParameter.query_parameter_sub_schema(3)
        const query = one(one(one(p, 1), 2), 3);
        return { in: str(query, 2), name: str(query, 4), type: str(query, 6) };
      });
      expect(params).toEqual([
        { in: 'query', name: 'dryRun', type: 'string' },
        { in: 'query', name: 'fieldManager', type: 'string' },
        { in: 'query', name: 'fieldValidation', type: 'string' },
      ]);
      const extensions = new Map(all(patch, 13).map((e) => [str(e, 1), str(one(e, 2), 2)]));
      expect(extensions.get('x-kubernetes-group-version-kind')).toBe(`group: "${k.group}"\nkind: ${k.kind}\nversion: ${k.version}\n`);
    }
  });

  it('uses the standard object paths and GVK YAML', () => {
    const byKind = new Map(knownKinds().map((k) => [k.kind, k]));
    expect(objectPath(byKind.get('Pod')!)).toBe('/api/v1/namespaces/{namespace}/pods/{name}');
    expect(objectPath(byKind.get('Node')!)).toBe('/api/v1/nodes/{name}');
    expect(objectPath(byKind.get('Deployment')!)).toBe('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    expect(objectPath(byKind.get('Application')!)).toBe('/apis/gitplane.io/v1alpha1/namespaces/{namespace}/applications/{name}');
    expect(groupVersionKindYaml(byKind.get('Deployment')!)).toBe('group: "apps"\nkind: Deployment\nversion: v1\n');
    expect(groupVersionKindYaml(byKind.get('Pod')!)).toBe('group: ""\nkind: Pod\nversion: v1\n');
    expect(patchOperationId(byKind.get('Pod')!)).toBe('patchCoreV1NamespacedPod');
    expect(patchOperationId(byKind.get('Node')!)).toBe('patchCoreV1Node');
    expect(patchOperationId(byKind.get('Lease')!)).toBe('patchCoordinationV1NamespacedLease');
    expect(patchOperationId(byKind.get('Application')!)).toBe('patchGitplaneIoV1alpha1NamespacedApplication');
  });

  it('caches the default document and encodes custom kind lists afresh', () => {
    expect(openapiV2Protobuf()).toBe(openapiV2Protobuf());
    const pod = knownKinds().filter((k) => k.kind === 'Pod');
    const small = openapiV2Protobuf(pod);
    expect(all(one(small, 8), 2)).toHaveLength(1);
    expect(small.length).toBeLessThan(openapiV2Protobuf().length);
  });

  it('encodes lengths over 127 as multi-byte varints', () => {
    const long = 'x'.repeat(300);
    const buf = encodeOpenApiDocument({ swagger: '2.0', info: { title: long, version: 'v' }, paths: [] });
    expect(str(one(buf, 2), 1)).toBe(long);
  });
});
