// The last step of every render: namespaces (the destination for namespaced objects
// without one; none on cluster-scoped kinds), schema validation mapped to lines, and
// duplicate detection across files. Only objects without errors are returned.

import { validateObject, type FieldError } from '../../api/validation.js';
import { ANNOTATIONS, ARGO_ANNOTATIONS, describeResource, resourceIdOf, resourceKey, type DesiredObject } from '../types.js';
import type { RenderContext } from './context.js';
import type { LocalError } from './errors.js';
import { lineOfField } from './field-line.js';
import { servedKind } from './json.js';
import type { RenderOptions } from './options.js';
import type { Resource } from './resource.js';

/** Validation results of transformed (kustomized) objects, by their JSON; cleared when full. */
export class ValidationMemo {
  private readonly results = new Map<string, FieldError[]>();
  constructor(private readonly max = 20_000) {}

  validate(object: unknown): FieldError[] {
    const key = JSON.stringify(object);
    let errors = this.results.get(key);
    if (errors === undefined) {
      const result = validateObject(object);
      errors = result.valid ? [] : result.errors;
      if (this.results.size >= this.max) this.results.clear();
      this.results.set(key, errors);
    }
    return errors;
  }
}

function validationDisabled(r: Resource): boolean {
  const a = r.object.metadata.annotations ?? {};
  const options = `${a[ANNOTATIONS.syncOptions] ?? ''},${a[ARGO_ANNOTATIONS.syncOptions] ?? ''}`;
  return options.split(',').some((o) => o.trim() === 'Validate=false');
}

function toLocal(r: Resource, errors: FieldError[]): LocalError[] {
  return errors.map((e) => {
    const line = r.doc ? lineOfField(r.doc.node, r.doc.lineCounter, e.field, r.source.line) : r.source.line;
    return e.field ? { line, field: e.field, message: e.message } : { line, message: e.message };
  });
}

function schemaErrors(r: Resource, memo: ValidationMemo, pristine: boolean): LocalError[] {
  if (pristine && r.doc !== undefined) {
    // The document as parsed: validate once per blob, for every later render.
    r.doc.validation ??= toLocal(r, memo.validate(r.doc.value));
    return r.doc.validation;
  }
  return toLocal(r, memo.validate(r.object));
}

export function finalize(ctx: RenderContext, resources: Resource[], options: RenderOptions, memo: ValidationMemo): DesiredObject[] {
  const destination = options.namespace || 'default';
  const seen = new Map<string, Resource>();
  const out: DesiredObject[] = [];
  for (const r of resources) {
    const { metadata } = r.object;
    const info = servedKind(r.object.apiVersion, r.object.kind);
    let pristine = r.pristine;
    if (info?.namespaced === false) {
      // kubectl drops a namespace set on a cluster-scoped object; so do we (before validating).
      if (metadata.namespace !== undefined) {
        delete metadata.namespace;
        pristine = false;
      }
    } else if (!metadata.namespace) {
      metadata.namespace = destination;
    }
    if (options.validate !== false && !validationDisabled(r)) {
      const errors = schemaErrors(r, memo, pristine);
      if (errors.length > 0) {
        for (const e of errors) ctx.error(r.source.file, e);
        continue;
      }
    }
    const id = resourceIdOf(r.object);
    const key = resourceKey(id);
    const first = seen.get(key);
    if (first !== undefined) {
      ctx.error(r.source.file, {
        line: r.source.line,
        message: `duplicate object: ${describeResource(id)} is defined at ${first.source.file}:${first.source.line} and at ${r.source.file}:${r.source.line}`,
      });
      continue;
    }
    seen.set(key, r);
    out.push({ object: r.object, source: { ...r.source } });
  }
  return out;
}
