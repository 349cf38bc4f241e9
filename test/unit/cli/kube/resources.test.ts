// Resource arguments as kubectl takes them: short names, plurals, kinds and
// group-qualified names resolve to kinds; `all` expands in kubectl's order;
// TYPE/NAME and TYPE NAME forms split, mixed forms are rejected.
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../../src/cli/kube/errors.js';
import { multipleTypesRequested, parseResourceArgs, qualifiedKind, qualifiedResource, resolveRequests, ResourceCatalog, ResourceResolver } from '../../../../src/cli/kube/resources.js';

const catalog = ResourceCatalog.builtin();
const kindOf = (word: string) => catalog.find(word)?.kind;

describe('resource words', () => {
  it.each([
    ['pods', 'Pod'],
    ['po', 'Pod'],
    ['pod', 'Pod'],
    ['Pod', 'Pod'],
    ['PODS', 'Pod'],
    ['deploy', 'Deployment'],
    ['deployments.apps', 'Deployment'],
    ['deployment.v1.apps', 'Deployment'],
    ['Deployment', 'Deployment'],
    ['svc', 'Service'],
    ['rs', 'ReplicaSet'],
    ['ds', 'DaemonSet'],
    ['cj', 'CronJob'],
    ['jobs.batch', 'Job'],
    ['no', 'Node'],
    ['ns', 'Namespace'],
    ['cm', 'ConfigMap'],
    ['ev', 'Event'],
    ['ep', 'Endpoints'],
    ['leases.coordination.k8s.io', 'Lease'],
    ['app', 'Application'],
    ['applications.gitplane.io', 'Application'],
  ])('%s is %s', (word, kind) => {
    expect(kindOf(word)).toBe(kind);
  });

  it('does not know other words, or a kind in the wrong group', () => {
    expect(catalog.find('foo')).toBeUndefined();
    expect(catalog.find('deployments.batch')).toBeUndefined();
    expect(catalog.find('')).toBeUndefined();
  });

  it('`all` is the all category, in kubectl order', () => {
    expect(catalog.category('all').map((k) => k.kind)).toEqual(['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'CronJob', 'Job']);
  });

  it('finds a manifest kind by apiVersion and kind', () => {
    expect(catalog.forObject('apps/v1', 'Deployment')?.plural).toBe('deployments');
    expect(catalog.forObject('apps/v1beta1', 'Deployment')).toBeUndefined();
  });

  it('names kinds and resources as kubectl prints them', () => {
    const d = catalog.find('deploy')!;
    expect(qualifiedKind(d)).toBe('deployment.apps');
    expect(qualifiedResource(d)).toBe('deployments.apps');
    expect(qualifiedKind(catalog.find('po')!)).toBe('pod');
  });
});

describe('resource arguments', () => {
  it('TYPE NAME...', () => {
    expect(parseResourceArgs(['po', 'a', 'b'])).toEqual({ form: 'types', types: ['po'], names: ['a', 'b'] });
  });

  it('TYPE,TYPE', () => {
    expect(parseResourceArgs(['deploy,svc'])).toEqual({ form: 'types', types: ['deploy', 'svc'], names: [] });
  });

  it('TYPE/NAME...', () => {
    expect(parseResourceArgs(['deployment/web', 'svc/web'])).toEqual({
      form: 'pairs',
      pairs: [
        { type: 'deployment', name: 'web' },
        { type: 'svc', name: 'web' },
      ],
    });
  });

  it('rejects mixing the forms, and malformed pairs, as usage errors', () => {
    const usage = (args: string[]) => {
      try {
        parseResourceArgs(args);
      } catch (err) {
        return err instanceof KubeError ? err.exitCode : -1;
      }
      return 0;
    };
    expect(usage(['deploy', 'deploy/web'])).toBe(2);
    expect(usage(['deploy/'])).toBe(2);
    expect(usage(['/web'])).toBe(2);
    expect(usage(['a/b/c'])).toBe(2);
  });

  it('resolves to requests; TYPE/NAME pairs of one kind group together; kind prefixes for several types', async () => {
    const resolver = new ResourceResolver();
    const pairs = parseResourceArgs(['deploy/a', 'deployment/b', 'svc/c']);
    const reqs = await resolveRequests(resolver, pairs);
    expect(reqs.map((r) => [r.info.kind, r.names])).toEqual([
      ['Deployment', ['a', 'b']],
      ['Service', ['c']],
    ]);
    expect(multipleTypesRequested(pairs, reqs)).toBe(true);

    const one = parseResourceArgs(['deployment/web']);
    expect(multipleTypesRequested(one, await resolveRequests(resolver, one))).toBe(false);
    const all = parseResourceArgs(['all']);
    const allReqs = await resolveRequests(resolver, all);
    expect(allReqs.length).toBeGreaterThan(1);
    expect(multipleTypesRequested(all, allReqs)).toBe(true);
  });

  it('an unknown type is kubectl\'s error', async () => {
    await expect(new ResourceResolver().resolve('foo')).rejects.toThrow('the server doesn\'t have a resource type "foo"');
    await expect(new ResourceResolver().forObject('example.com/v1', 'Widget')).rejects.toThrow('no matches for kind "Widget" in version "example.com/v1"');
  });
});
