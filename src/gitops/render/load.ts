// Turns a parsed file's documents into Resources, reporting what makes a document
// unusable: YAML errors, documents that are not mappings, a missing apiVersion, kind or
// metadata.name, and kinds gitplane does not serve.

import type { KubeObject } from '../types.js';
import type { RenderContext } from './context.js';
import { lineOfField } from './field-line.js';
import { cloneJson, servedKind } from './json.js';
import type { ParsedDoc, ParsedFile } from './parse.js';
import type { Resource } from './resource.js';

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

/** The object of `doc` when it is a usable manifest; otherwise reports why and returns undefined. */
export function checkDocument(ctx: RenderContext, file: string, doc: ParsedDoc): KubeObject | undefined {
  const value = doc.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.error(file, { line: doc.line, message: `document is not a mapping (got ${typeName(value)})` });
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  const metadata = obj.metadata as Record<string, unknown> | undefined;
  let ok = true;
  for (const [field, v] of [['apiVersion', obj.apiVersion], ['kind', obj.kind], ['metadata.name', metadata?.name]] as const) {
    if (isNonEmptyString(v)) continue;
    ok = false;
    const message = v === undefined || v === null || v === '' ? 'Required value' : `Invalid value: must be a string, got ${typeName(v)}`;
    ctx.error(file, { line: doc.line, field, message });
  }
  if (!ok) return undefined;
  const apiVersion = obj.apiVersion as string;
  const kind = obj.kind as string;
  if (servedKind(apiVersion, kind) === undefined) {
    ctx.error(file, {
      line: lineOfField(doc.node, doc.lineCounter, 'kind', doc.line),
      field: 'kind',
      message: `unknown kind: gitplane does not serve kind "${kind}" in apiVersion "${apiVersion}"`,
    });
    return undefined;
  }
  return cloneJson(obj) as KubeObject;
}

/** Every usable document of a parsed file, as Resources; errors go to ctx. */
export function loadResources(ctx: RenderContext, file: string, parsed: ParsedFile, origin = ''): Resource[] {
  for (const e of parsed.errors) ctx.error(file, e);
  const out: Resource[] = [];
  for (const doc of parsed.docs) {
    const object = checkDocument(ctx, file, doc);
    if (object === undefined) continue;
    out.push({ object, source: { file, line: doc.line }, doc, pristine: true, names: [], origin });
  }
  return out;
}
