/**
 * `GET /openapi/v2`: the smallest gnostic `openapi.v2.Document` protobuf that makes kubectl
 * 1.20–1.31 `apply`, `create -f`, `replace -f` and `diff` work (shared/ref/kubectl-wire.md §3).
 *
 * kubectl only needs: swagger "2.0", an info block, and per kind one path whose PATCH operation
 * advertises a `dryRun` query parameter and carries `x-kubernetes-group-version-kind` (kubectl
 * 1.20's `diff` refuses kinds without it: "doesn't support dry-run"). No definitions: without a
 * schema kubectl skips client-side validation and uses its compiled-in types for strategic
 * merge patches. Field numbers are those of google/gnostic openapiv2/OpenAPIv2.proto.
 *
 * Serve it with OPENAPI_V2_CONTENT_TYPE (`application/octet-stream`): echoing kubectl's Accept
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) as the Content-Type makes
 * kubectl 1.20 fail in Go's MIME parser. `/openapi/v3` should answer 404.
 */
import { knownKinds, type KindInfo } from '../api/schemas.js';
import { KUBERNETES_VERSION } from './discovery.js';

/** Content-Type for the /openapi/v2 protobuf body. */
export const OPENAPI_V2_CONTENT_TYPE = 'application/octet-stream';

// ---------------------------------------------------------------------------------------------
// Protobuf wire encoding (varints and length-delimited fields are all this message needs).
// ---------------------------------------------------------------------------------------------

const WIRE_LENGTH_DELIMITED = 2;

function varint(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  const bytes: number[] = [];
  let n = value;
  while (n >= 0x80) {
    bytes.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | WIRE_LENGTH_DELIMITED), varint(payload.length), payload]);
}

/** A string field; proto3 omits empty strings. */
function stringField(field: number, value: string | undefined): Buffer {
  return value === undefined || value === '' ? Buffer.alloc(0) : lengthDelimited(field, Buffer.from(value, 'utf8'));
}

/** An embedded message field; present (even if empty) whenever it is written. */
function messageField(field: number, ...parts: Buffer[]): Buffer {
  return lengthDelimited(field, Buffer.concat(parts));
}

// ---------------------------------------------------------------------------------------------
// The subset of openapi.v2.Document gitplane emits.
// ---------------------------------------------------------------------------------------------

/** A `query` parameter (QueryParameterSubSchema). */
export interface OpenApiQueryParameter {
  name: string;
  type: string;
  description?: string;
}

/** A vendor extension whose value is YAML text (NamedAny{name, Any{yaml}}). */
export interface OpenApiVendorExtension {
  name: string;
  yaml: string;
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiQueryParameter[];
  vendorExtensions?: OpenApiVendorExtension[];
}

export interface OpenApiPathItem {
  patch?: OpenApiOperation;
}

export interface OpenApiDocument {
  swagger: string;
  info: { title: string; version: string };
  /** Written in order; an empty list still writes an empty `paths` message. */
  paths: { name: string; value: OpenApiPathItem }[];
}

// Field numbers (gnostic OpenAPIv2.proto).
const DOCUMENT = { swagger: 1, info: 2, paths: 8, definitions: 9 } as const;
const INFO = { title: 1, version: 2 } as const;
const PATHS = { path: 2 } as const;
const NAMED = { name: 1, value: 2 } as const;
const PATH_ITEM = { patch: 8 } as const;
const OPERATION = { operationId: 5, parameters: 8, vendorExtension: 13 } as const;
const PARAMETERS_ITEM = { parameter: 1 } as const;
const PARAMETER = { nonBodyParameter: 2 } as const;
const NON_BODY_PARAMETER = { queryParameterSubSchema: 3 } as const;
const QUERY_PARAMETER = { in: 2, description: 3, name: 4, type: 6 } as const;
const ANY = { yaml: 2 } as const;

function encodeQueryParameter(p: OpenApiQueryParameter): Buffer {
  const query = Buffer.concat([
    stringField(QUERY_PARAMETER.in, 'query'),
    stringField(QUERY_PARAMETER.description, p.description),
    stringField(QUERY_PARAMETER.name, p.name),
    stringField(QUERY_PARAMETER.type, p.type),
  ]);
  // ParametersItem{parameter: Parameter{non_body_parameter: NonBodyParameter{query_parameter_sub_schema}}}
  return messageField(
    OPERATION.parameters,
    messageField(PARAMETERS_ITEM.parameter, messageField(PARAMETER.nonBodyParameter, messageField(NON_BODY_PARAMETER.queryParameterSubSchema, query))),
  );
}

function encodeVendorExtension(field: number, ext: OpenApiVendorExtension): Buffer {
  return messageField(field, stringField(NAMED.name, ext.name), messageField(NAMED.value, stringField(ANY.yaml, ext.yaml)));
}

function encodeOperation(field: number, op: OpenApiOperation): Buffer {
  return messageField(
    field,
    stringField(OPERATION.operationId, op.operationId),
    ...(op.parameters ?? []).map(encodeQueryParameter),
    ...(op.vendorExtensions ?? []).map((e) => encodeVendorExtension(OPERATION.vendorExtension, e)),
  );
}

function encodePathItem(item: OpenApiPathItem): Buffer {
  return Buffer.concat(item.patch === undefined ? [] : [encodeOperation(PATH_ITEM.patch, item.patch)]);
}

/** Encodes `doc` as an `openapi.v2.Document` (with an empty `definitions` message). */
export function encodeOpenApiDocument(doc: OpenApiDocument): Buffer {
  return Buffer.concat([
    stringField(DOCUMENT.swagger, doc.swagger),
    messageField(DOCUMENT.info, stringField(INFO.title, doc.info.title), stringField(INFO.version, doc.info.version)),
    messageField(
      DOCUMENT.paths,
      ...doc.paths.map((p) => messageField(PATHS.path, stringField(NAMED.name, p.name), messageField(NAMED.value, encodePathItem(p.value)))),
    ),
    messageField(DOCUMENT.definitions),
  ]);
}

// ---------------------------------------------------------------------------------------------
// The document for the served kinds.
// ---------------------------------------------------------------------------------------------

/** The REST path of one object of `info`, e.g. `/apis/apps/v1/namespaces/{namespace}/deployments/{name}`. */
export function objectPath(info: KindInfo): string {
  const prefix = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  return `${prefix}${info.namespaced ? '/namespaces/{namespace}' : ''}/${info.plural}/{name}`;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** kube-openapi's operation id, e.g. patchAppsV1NamespacedDeployment, patchCoreV1Node, patchGitplaneIoV1alpha1NamespacedApplication. */
export function patchOperationId(info: KindInfo): string {
  const group =
    info.group === ''
      ? 'Core'
      : info.group
          .replace(/\.k8s\.io$/, '')
          .split(/[.-]/)
          .map(upperFirst)
          .join('');
  return `patch${group}${upperFirst(info.version)}${info.namespaced ? 'Namespaced' : ''}${info.kind}`;
}

/** The `x-kubernetes-group-version-kind` YAML kubectl matches on (group quoted, so the core group reads `group: ""`). */
export function groupVersionKindYaml(info: KindInfo): string {
  return `group: ${JSON.stringify(info.group)}\nkind: ${info.kind}\nversion: ${info.version}\n`;
}

const PATCH_PARAMETERS: OpenApiQueryParameter[] = [
  {
    name: 'dryRun',
    type: 'string',
    description:
      'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  },
  {
    name: 'fieldManager',
    type: 'string',
    description: 'fieldManager is a name associated with the actor or entity that is making these changes.',
  },
  {
    name: 'fieldValidation',
    type: 'string',
    description:
      'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.',
  },
];

/** The document model for `kinds`: one PATCH path per kind, in the order given. */
export function openapiV2Document(kinds: readonly KindInfo[] = knownKinds()): OpenApiDocument {
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: KUBERNETES_VERSION },
    paths: kinds.map((info) => ({
      name: objectPath(info),
      value: {
        patch: {
          operationId: patchOperationId(info),
          parameters: PATCH_PARAMETERS,
          vendorExtensions: [
            { name: 'x-kubernetes-action', yaml: 'patch\n' },
            { name: 'x-kubernetes-group-version-kind', yaml: groupVersionKindYaml(info) },
          ],
        },
      },
    })),
  };
}

let cached: Buffer | undefined;

/**
 * The `/openapi/v2` body for `kinds` (default: every served kind, encoded once and cached;
 * callers must not mutate the returned buffer).
 */
export function openapiV2Protobuf(kinds?: readonly KindInfo[]): Buffer {
  if (kinds !== undefined) return encodeOpenApiDocument(openapiV2Document(kinds));
  cached ??= encodeOpenApiDocument(openapiV2Document());
  return cached;
}
