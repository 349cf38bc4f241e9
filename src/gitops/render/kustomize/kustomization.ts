// Reads a kustomization file: parses it, refuses the fields this kustomize subset does
// not implement (naming field and file, never ignoring them silently), and checks the
// shapes of the fields it does, so later steps can trust them.

import { LineCounter } from 'yaml';
import type { RenderContext } from '../context.js';
import { lineOfField } from '../field-line.js';
import type { ParsedDoc } from '../parse.js';
import { findKustomizationFile } from './files.js';

export const SUPPORTED_FIELDS = new Set([
  'apiVersion', 'kind', 'metadata', 'resources', 'bases', 'namespace', 'namePrefix', 'nameSuffix',
  'commonLabels', 'commonAnnotations', 'images', 'configMapGenerator', 'secretGenerator',
  'generatorOptions', 'patchesStrategicMerge', 'patches',
]);

/** Field → expected shape, for the supported fields. */
const SHAPES: Record<string, 'string' | 'list' | 'map' | 'stringMap'> = {
  apiVersion: 'string', kind: 'string', metadata: 'map', resources: 'list', bases: 'list', namespace: 'string',
  namePrefix: 'string', nameSuffix: 'string', commonLabels: 'stringMap', commonAnnotations: 'stringMap',
  images: 'list', configMapGenerator: 'list', secretGenerator: 'list', generatorOptions: 'map',
  patchesStrategicMerge: 'list', patches: 'list',
};

export interface Kustomization {
  /** Repo-relative path of the kustomization file. */
  file: string;
  /** Its directory, which relative paths inside it start from. */
  dir: string;
  value: Record<string, unknown>;
  doc: ParsedDoc;
}

/** The line of a field path inside the kustomization file. */
export function lineIn(k: Kustomization, field: string): number {
  return lineOfField(k.doc.node, k.doc.lineCounter, field, k.doc.line);
}

function shapeOk(shape: string, v: unknown): boolean {
  switch (shape) {
    case 'string': return typeof v === 'string';
    case 'list': return Array.isArray(v);
    case 'map': return typeof v === 'object' && v !== null && !Array.isArray(v);
    default: return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => ['string', 'number', 'boolean'].includes(typeof x));
  }
}

/** The kustomization of `dir`, or undefined (errors reported) when it is missing or unusable. */
export async function loadKustomization(ctx: RenderContext, dir: string): Promise<Kustomization | undefined> {
  const file = await findKustomizationFile(ctx, dir);
  if (file === undefined) return undefined;
  const parsed = await ctx.parse(file);
  if (parsed === undefined) return undefined;
  for (const e of parsed.errors) ctx.error(file, e);
  if (parsed.errors.length > 0) return undefined;
  if (parsed.docs.length === 0) return { file, dir, value: {}, doc: { value: {}, line: 1, node: null, lineCounter: new LineCounter() } };
  const doc = parsed.docs[0];
  if (parsed.docs.length > 1) ctx.error(file, { line: parsed.docs[1].line, message: 'a kustomization must be a single YAML document' });
  if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)) {
    ctx.error(file, { line: doc.line, message: 'a kustomization must be a mapping' });
    return undefined;
  }
  const k: Kustomization = { file, dir, value: doc.value as Record<string, unknown>, doc };
  if (k.value.kind !== undefined && k.value.kind !== 'Kustomization') {
    ctx.error(file, { line: lineIn(k, 'kind'), field: 'kind', message: `unsupported kustomize kind "${String(k.value.kind)}": only Kustomization is supported` });
    return undefined;
  }
  let ok = true;
  for (const [field, v] of Object.entries(k.value)) {
    if (!SUPPORTED_FIELDS.has(field)) {
      ctx.error(file, { line: lineIn(k, field), field, message: `unsupported kustomize field "${field}" (gitplane supports ${[...SUPPORTED_FIELDS].slice(3).join(', ')})` });
      ok = false;
    } else if (v !== null && !shapeOk(SHAPES[field], v)) {
      const want = { string: 'a string', list: 'a list', map: 'a mapping', stringMap: 'a mapping of strings' }[SHAPES[field]];
      ctx.error(file, { line: lineIn(k, field), field, message: `must be ${want}` });
      ok = false;
    }
  }
  return ok ? k : undefined;
}
