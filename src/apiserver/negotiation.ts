// Content negotiation: how request bodies are read and what the client
// wants back. kubectl sends JSON (or nothing as Content-Type, which means
// JSON); YAML is accepted too; Kubernetes protobuf bodies (kubectl >= 1.32's
// typed commands) are refused with 415, since /version steers the kubectl
// dispatcher to a JSON-speaking 1.31.

import { parse as parseYaml } from 'yaml';
import { badRequest, StatusError, unsupportedMediaType } from '../api/status.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Deeper documents are refused before parsing (real manifests nest a few dozen levels). */
export const MAX_NESTING = 1000;
/** As kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/**
 * The media type of a Content-Type header: "" when the header is absent
 * (kubectl sends none for JSON), and a 415 when it is present but empty.
 */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === '') throw unsupportedMediaType(JSON.stringify(contentType));
  return type;
}

/**
 * How deeply a JSON or YAML text nests, counting brackets outside quoted
 * strings and, for YAML block style, indentation. Cheap, and done before any
 * parser recurses into the text.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  // A quote opens a string only where a scalar can start (YAML's `it's` does not).
  let scalarStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) {
        quote = '';
        scalarStart = false;
      }
      continue;
    }
    if ((ch === '"' || ch === "'") && scalarStart) quote = ch;
    else if (ch === '{' || ch === '[') {
      if (++depth > max) max = depth;
    } else if (ch === '}' || ch === ']') depth--;
    else if (ch === '\n') {
      let indent = 0;
      while (text[i + 1 + indent] === ' ' || text[i + 1 + indent] === '-') indent++;
      if (indent > max) max = indent;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') continue;
    scalarStart = ch === ':' || ch === ',' || ch === '[' || ch === '{' || ch === '-' || ch === '?' || ch === '\n';
  }
  return max;
}

function checkDepth(text: string): void {
  if (nestingDepth(text) > MAX_NESTING) throw badRequest(`the request body nests deeper than ${MAX_NESTING} levels`);
}

/** Decode a create/update body into an object. */
export function decodeBody(body: Buffer | undefined, contentType: string | undefined): Record<string, any> {
  const type = mediaType(contentType);
  if (!body || body.length === 0) throw badRequest('the request body is empty; an object is required');
  let value: unknown;
  if (type === '' || type === 'application/json' || type === '*/*') value = parseJson(body);
  else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') value = parseYamlBody(body);
  else throw unsupportedMediaType(type);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('the request body must be a JSON object');
  }
  return value as Record<string, any>;
}

export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  checkDepth(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  checkDepth(text);
  try {
    return parseYaml(text, { version: '1.1', maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(`the request body is not valid YAML: ${(err as Error).message}`);
  }
}

export function patchType(contentType: string | undefined): PatchType {
  switch (mediaType(contentType)) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      throw unsupportedMediaType(mediaType(contentType) || '(none)');
  }
}

export function decodePatch(body: Buffer | undefined, type: PatchType): unknown {
  if (!body || body.length === 0) throw badRequest('the patch body is empty');
  const patch = type === 'apply' ? parseYamlBody(body) : parseJson(body); // YAML is a superset of JSON
  if (type === 'json') {
    if (!Array.isArray(patch)) throw badRequest('a JSON patch must be an array of operations');
    if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
      throw new StatusError(413, 'RequestEntityTooLarge', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
    }
  } else if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw badRequest(`a ${type === 'apply' ? 'apply configuration' : `${type} merge patch`} must be an object`);
  }
  return patch;
}

/** Kubernetes' boolean query parameters: absent is false; "0" and "false" are false; anything else is true. */
export function boolParam(query: URLSearchParams, key: string): boolean {
  const v = query.get(key);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** Does the Accept header ask for a meta.k8s.io Table? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (params[0] !== 'application/json') continue;
    if (params.includes('as=Table') && params.some((p) => p === 'g=meta.k8s.io')) return true;
    // The first JSON choice without as=Table wins over a later Table one.
    if (!params.some((p) => p.startsWith('as='))) return false;
  }
  return false;
}
