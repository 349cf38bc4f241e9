import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { knownKinds, kindInfo, schemaFor, validateObject } from '../../../src/api/validation.js';
import { SCHEMAS_DIR, schemaDocuments, schemaRefFor } from '../../../src/api/schemas.js';

describe('schemas', () => {
  afterEach(() => vi.restoreAllMocks());

  // First in this file, so it sees ajv being created and every schema compiled.
  it('compile under ajv strict mode without warnings', () => {
    const spies = (['warn', 'log', 'error'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    for (const { apiVersion, kind, listKind } of knownKinds()) {
      for (const applyDefaults of [false, true]) {
        validateObject({ apiVersion, kind, metadata: { name: 'x' } }, { applyDefaults });
        validateObject({ apiVersion, kind: listKind, items: [] }, { applyDefaults });
      }
    }
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('list every kind gitplane serves with its resource name and scope', () => {
    expect(knownKinds().map(({ apiVersion, kind, plural, namespaced }) => ({ apiVersion, kind, plural, namespaced }))).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
      { apiVersion: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true },
      { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true },
      { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
      { apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
      { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
      { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
      { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
      { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
      { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true },
      { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', namespaced: true },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true },
      { apiVersion: 'gitplane.io/v1alpha1', kind: 'Application', plural: 'applications', namespaced: true },
    ]);
  });

  it('describe group, version, short names, list kind and categories', () => {
    expect(kindInfo('apps/v1', 'Deployment')).toEqual({
      apiVersion: 'apps/v1',
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      plural: 'deployments',
      singular: 'deployment',
      namespaced: true,
      shortNames: ['deploy'],
      listKind: 'DeploymentList',
      categories: ['all'],
    });
    expect(kindInfo('v1', 'Pod')).toMatchObject({ group: '', version: 'v1', shortNames: ['po'], categories: ['all'] });
    expect(kindInfo('v1', 'ConfigMap')?.categories).toEqual([]);
    expect(kindInfo('v1', 'PodList')).toBeUndefined();
    expect(kindInfo('apps/v1', 'StatefulSet')).toBeUndefined();
    // Callers get copies.
    knownKinds()[0].shortNames.push('mutated');
    expect(knownKinds()[0].shortNames).not.toContain('mutated');
  });

  it('have a schema, with apiVersion/kind constants and required metadata, for every kind and its list', () => {
    for (const { apiVersion, kind, listKind } of knownKinds()) {
      const schema = schemaFor(apiVersion, kind) as Record<string, any>;
      expect(schema.properties.apiVersion.const).toBe(apiVersion);
      expect(schema.properties.kind.const).toBe(kind);
      expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata']));
      expect(schema['x-kubernetes-group-version-kind']).toEqual([{ group: kindInfo(apiVersion, kind)!.group, version: kindInfo(apiVersion, kind)!.version, kind }]);
      const list = schemaFor(apiVersion, listKind) as Record<string, any>;
      expect(list, listKind).toBeDefined();
      expect(list.properties.kind.const).toBe(listKind);
      expect(list.properties.apiVersion.const).toBe(apiVersion);
      expect(schemaRefFor(apiVersion, listKind)).toBe(`https://gitplane.io/schemas/lists.schema.json#/definitions/${listKind}`);
    }
    expect(schemaFor('apps/v1', 'StatefulSet')).toBeUndefined();
    expect(Object.isFrozen(schemaFor('v1', 'Pod'))).toBe(true);
  });

  it('never reject unknown fields: no additionalProperties: false anywhere', () => {
    for (const file of readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'))) {
      const text = readFileSync(join(SCHEMAS_DIR, file), 'utf8');
      expect(text, file).not.toMatch(/"additionalProperties"\s*:\s*false/);
      const schema = JSON.parse(text);
      expect(schema.$id, file).toBe(`https://gitplane.io/schemas/${file}`);
      expect(schema.$schema, file).toBe('http://json-schema.org/draft-07/schema#');
    }
    expect(schemaDocuments().size).toBe(readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json')).length);
  });
});
