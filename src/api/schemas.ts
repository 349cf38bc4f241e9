/**
 * The JSON Schemas in schemas/ and the kinds they describe.
 *
 * Every kind's schema carries `x-gitplane-resource` ({plural, singular, namespaced, shortNames,
 * listKind, categories}) next to the usual `x-kubernetes-group-version-kind`, so the schemas are the one
 * place that lists what gitplane serves; the apiserver builds discovery from knownKinds().
 * The files are read lazily, once, from the repository's schemas/ directory (which sits at the
 * same distance from src/api/ and dist/api/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding `*.schema.json`. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

/** A JSON Schema document or subschema, as loaded (deeply frozen: do not mutate). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One kind gitplane serves. */
export interface KindInfo {
  /** e.g. "apps/v1", or "v1" for the core group. */
  apiVersion: string;
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Resource name used in URLs, e.g. "deployments". */
  plural: string;
  /** Lower-case singular, e.g. "deployment". */
  singular: string;
  /** false for cluster-scoped kinds (Namespace, Node). */
  namespaced: boolean;
  /** kubectl short names, e.g. ["deploy"]. */
  shortNames: string[];
  /** Kind of the list returned by list calls, e.g. "DeploymentList". */
  listKind: string;
  /** kubectl categories, e.g. ["all"] for what `kubectl get all` lists. */
  categories: string[];
}

interface SchemaRegistry {
  /** Every loaded schema document, keyed by its `$id`. */
  documents: Map<string, JsonSchema>;
  kinds: KindInfo[];
  /** `${apiVersion}/${kind}` → the `$id` (plus JSON pointer for lists) of its schema. */
  refs: Map<string, string>;
}

let registry: SchemaRegistry | undefined;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function key(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function load(): SchemaRegistry {
  if (registry !== undefined) return registry;
  const documents = new Map<string, JsonSchema>();
  const kinds: KindInfo[] = [];
  const refs = new Map<string, string>();
  const fileNames = readdirSync(SCHEMAS_DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  for (const fileName of fileNames) {
    const schema = deepFreeze(JSON.parse(readFileSync(join(SCHEMAS_DIR, fileName), 'utf8')) as Record<string, unknown>);
    const id = schema.$id;
    if (typeof id !== 'string') throw new Error(`schemas/${fileName} has no $id`);
    documents.set(id, schema);
    const resource = schema['x-gitplane-resource'] as Omit<KindInfo, 'apiVersion' | 'group' | 'version' | 'kind'> | undefined;
    if (resource === undefined) continue;
    const properties = schema.properties as Record<string, { const?: string }>;
    const apiVersion = properties.apiVersion.const!;
    const kind = properties.kind.const!;
    kinds.push({
      apiVersion,
      ...splitApiVersion(apiVersion),
      kind,
      plural: resource.plural,
      singular: resource.singular,
      namespaced: resource.namespaced,
      shortNames: [...resource.shortNames],
      listKind: resource.listKind,
      categories: [...(resource.categories ?? [])],
    });
    refs.set(key(apiVersion, kind), id);
  }
  // List kinds live in lists.schema.json#/definitions/<ListKind>.
  for (const [id, schema] of documents) {
    const definitions = (schema.definitions ?? {}) as Record<string, JsonSchema>;
    for (const info of kinds) {
      if (definitions[info.listKind] !== undefined && id.endsWith('/lists.schema.json')) {
        refs.set(key(info.apiVersion, info.listKind), `${id}#/definitions/${info.listKind}`);
      }
    }
  }
  kinds.sort((a, b) => a.group.localeCompare(b.group) || a.version.localeCompare(b.version) || a.kind.localeCompare(b.kind));
  registry = { documents, kinds, refs };
  return registry;
}

/** Every schema document in schemas/, keyed by `$id` (for registering with a validator). */
export function schemaDocuments(): ReadonlyMap<string, JsonSchema> {
  return load().documents;
}

/** Every kind gitplane serves, sorted by group, version and kind. Returns fresh copies. */
export function knownKinds(): KindInfo[] {
  return load().kinds.map((k) => ({ ...k, shortNames: [...k.shortNames], categories: [...k.categories] }));
}

/** The kind served for apiVersion + kind, or undefined. List kinds (PodList) are not kinds. */
export function kindInfo(apiVersion: string, kind: string): KindInfo | undefined {
  const found = load().kinds.find((k) => k.apiVersion === apiVersion && k.kind === kind);
  return found === undefined ? undefined : { ...found, shortNames: [...found.shortNames], categories: [...found.categories] };
}

/**
 * The reference (`$id`, plus `#/definitions/X` for list kinds) of the schema validating
 * apiVersion + kind, or undefined when gitplane does not serve it.
 */
export function schemaRefFor(apiVersion: string, kind: string): string | undefined {
  return load().refs.get(key(apiVersion, kind));
}

/**
 * The JSON Schema for apiVersion + kind (kinds and their XList), or undefined. The schema may
 * `$ref` other documents (see schemaDocuments()); it is frozen.
 */
export function schemaFor(apiVersion: string, kind: string): JsonSchema | undefined {
  const ref = schemaRefFor(apiVersion, kind);
  if (ref === undefined) return undefined;
  const [id, pointer] = ref.split('#');
  const document = load().documents.get(id);
  if (document === undefined || pointer === undefined) return document;
  let node: unknown = document;
  for (const part of pointer.split('/').slice(1)) node = (node as Record<string, unknown>)[part];
  return node as JsonSchema;
}
