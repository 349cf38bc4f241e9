// Turns a request path into what it asks for. Segments are percent-decoded
// one by one and checked, so "..", encoded slashes and empty names are
// rejected before anything touches the store.

import { badRequest, notFound } from '../api/status.js';
import type { ResourceInfo, ResourceTable } from './registry/resources.js';

export type Route =
  | { type: 'version' }
  | { type: 'health'; check: string }
  | { type: 'apiVersions' }
  | { type: 'apiGroupList' }
  | { type: 'apiGroup'; group: string }
  | { type: 'apiResourceList'; group: string; version: string }
  | { type: 'openapi'; version: 'v2' | 'v3' }
  | {
      type: 'resource';
      resource: ResourceInfo;
      namespace?: string;
      name?: string;
      subresource?: string;
    };

const NAME_MAX = 253;

function segment(raw: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw badRequest(`invalid path segment "${raw}"`);
  }
  if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0') || s.length > NAME_MAX) {
    throw badRequest(`invalid path segment "${raw}"`);
  }
  return s;
}

export function route(path: string, table: ResourceTable): Route {
  if (path.length > 4096) throw badRequest('path too long');
  if (path === '/version' || path === '/version/') return { type: 'version' };
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return { type: 'health', check: path.slice(1) };
  if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') return { type: 'openapi', version: 'v2' };
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) return { type: 'openapi', version: 'v3' };
  const parts = path.split('/').slice(1);
  if (parts[parts.length - 1] === '') parts.pop(); // a trailing slash
  const segs = parts.map(segment);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { type: 'apiVersions' };
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { type: 'apiGroupList' };
    if (segs.length === 2) return { type: 'apiGroup', group: segs[1] };
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    throw notFoundPath();
  }
  if (!table.groupVersions().some((gv) => gv.group === group && gv.version === version)) throw notFoundPath();
  if (rest.length === 0) return { type: 'apiResourceList', group, version };
  // /namespaces/{ns}/{resource}[/{name}[/{sub}]] — unless {resource} is not a
  // namespaced resource, in which case this is the Namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const inner = table.lookup(group, version, rest[2]);
    if (inner && inner.namespaced) {
      if (rest.length > 5) throw notFoundPath();
      return { type: 'resource', resource: inner, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
  }
  const resource = table.lookup(group, version, rest[0]);
  if (!resource || rest.length > 3) throw notFoundPath();
  return { type: 'resource', resource, name: rest[1], subresource: rest[2] };
}

export function notFoundPath() {
  const err = notFound({ group: '', resource: '' }, '');
  err.status.message = 'the server could not find the requested resource';
  err.status.details = {};
  return err;
}
