// Content negotiation: how request bodies are read and what the client
// wants back. kubectl sends JSON (or nothing as Content-Type, which means
// JSON); YAML is accepted too; Kubernetes protobuf bodies (kubectl >= 1.32's
// typed commands) are refused with 415, since /version steers the kubectl
// dispatcher to a JSON-speaking 1.31.

import { parse as parseYaml } from 'yaml';
import { badRequest, unsupportedMediaType } from '../api/status.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
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
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString('utf8'), { version: '1.1', maxAliasCount: 100 });
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
  if (type === 'apply') return parseYamlBody(body); // YAML is a superset of JSON
  return parseJson(body);
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
