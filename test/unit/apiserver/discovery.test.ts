import { describe, expect, it } from 'vitest';
import { knownKinds, type KindInfo } from '../../../src/api/schemas.js';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  aggregatedDiscoveryContentType,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  compareKubeVersions,
  negotiateAggregatedDiscovery,
  storageVersionHash,
  subresourcesOf,
  versionInfo,
  wantsAggregated,
  type APIResource,
} from '../../../src/apiserver/discovery.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function groupVersion(k: KindInfo): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

function resource(gv: string, name: string): APIResource | undefined {
  return apiResourceList(gv)?.resources.find((r) => r.name === name);
}

describe('versionInfo', () => {
  it('reports a 1.31 server so the kubectl dispatcher picks a JSON-only kubectl', () => {
    const v = versionInfo();
    expect(v).toMatchObject({ major: '1', minor: '31', gitVersion: 'v1.31.4', gitTreeState: 'clean', compiler: 'gc', platform: 'linux/amd64' });
    expect(Object.keys(v).sort()).toEqual(['buildDate', 'compiler', 'gitCommit', 'gitTreeState', 'gitVersion', 'goVersion', 'major', 'minor', 'platform']);
    expect(versionInfo({ gitCommit: 'abc' }).gitCommit).toBe('abc');
  });
});

describe('legacy discovery', () => {
  it('/api lists v1, with serverAddressByClientCIDRs when given an address', () => {
    expect(apiVersions()).toEqual({ kind: 'APIVersions', versions: ['v1'] });
    expect(apiVersions('127.0.0.1:6443')).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
    });
  });

  it('/apis lists every non-core group with its preferred version', () => {
    const list = apiGroupList();
    expect(list.kind).toBe('APIGroupList');
    expect(list.apiVersion).toBe('v1');
    const groups = [...new Set(knownKinds().map((k) => k.group))].filter((g) => g !== '');
    expect(list.groups.map((g) => g.name)).toEqual(groups);
    expect(list.groups.find((g) => g.name === 'apps')).toEqual({
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
    expect(list.groups.find((g) => g.name === 'gitplane.io')?.preferredVersion).toEqual({ groupVersion: 'gitplane.io/v1alpha1', version: 'v1alpha1' });
  });

  it('/apis/<group> answers known groups only', () => {
    expect(apiGroup('batch')).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'batch',
      versions: [{ groupVersion: 'batch/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'batch/v1', version: 'v1' },
    });
    expect(apiGroup('nope.example.com')).toBeUndefined();
    expect(apiGroup('')).toBeUndefined();
  });

  it('returns undefined for unknown group/versions', () => {
    expect(apiResourceList('v2')).toBeUndefined();
    expect(apiResourceList('apps/v1beta1')).toBeUndefined();
    expect(apiResourceList('nope.example.com/v1')).toBeUndefined();
  });

  it('lists every served kind with verbs, shortNames, categories and singular', () => {
    for (const k of knownKinds()) {
      const list = apiResourceList(groupVersion(k));
      expect(list?.groupVersion).toBe(groupVersion(k));
      const r = list!.resources.find((x) => x.name === k.plural);
      expect(r, k.plural).toBeDefined();
      expect(r).toMatchObject({ singularName: k.singular, namespaced: k.namespaced, kind: k.kind });
      expect(r!.shortNames ?? []).toEqual(k.shortNames);
      expect(r!.categories ?? []).toEqual(k.categories);
      expect(r!.verbs).toEqual(k.plural === 'namespaces' ? ALL_VERBS.filter((v) => v !== 'deletecollection') : ALL_VERBS);
      expect(r!.storageVersionHash).toBe(storageVersionHash(k.group, k.version, k.kind));
    }
  });

  it('keeps the core list without apiVersion and group lists with it, sorted by name', () => {
    const core = apiResourceList('v1')!;
    expect(core).not.toHaveProperty('apiVersion');
    expect(apiResourceList('apps/v1')!.apiVersion).toBe('v1');
    const names = core.resources.map((r) => r.name);
    expect(names).toEqual([...names].sort());
  });

  it("tags pods, services and the workloads with the 'all' category (kubectl get all)", () => {
    const all = knownKinds()
      .flatMap((k) => (apiResourceList(groupVersion(k))?.resources ?? []).filter((r) => r.name === k.plural))
      .filter((r) => r.categories?.includes('all'))
      .map((r) => r.name)
      .sort();
    expect(all).toEqual(expect.arrayContaining(['cronjobs', 'daemonsets', 'deployments', 'jobs', 'pods', 'replicasets', 'services']));
    expect(all).not.toContain('configmaps');
  });

  it('gives short names that kubectl resolves (po, deploy, svc)', () => {
    expect(resource('v1', 'pods')).toMatchObject({ shortNames: ['po'], categories: ['all'] });
    expect(resource('apps/v1', 'deployments')).toMatchObject({ shortNames: ['deploy'] });
    expect(resource('v1', 'services')).toMatchObject({ shortNames: ['svc'] });
    expect(resource('v1', 'secrets')).not.toHaveProperty('shortNames');
  });

  it('lists scale subresources as autoscaling/v1 Scale', () => {
    for (const name of ['deployments/scale', 'replicasets/scale']) {
      expect(resource('apps/v1', name)).toEqual({
        name,
        singularName: '',
        namespaced: true,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    }
    expect(resource('apps/v1', 'daemonsets/scale')).toBeUndefined();
  });

  it('lists status subresources for kinds with a status, and only those', () => {
    expect(resource('v1', 'pods/status')).toEqual({ name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    for (const [gv, plural] of [
      ['v1', 'nodes'],
      ['v1', 'namespaces'],
      ['v1', 'services'],
      ['apps/v1', 'deployments'],
      ['apps/v1', 'replicasets'],
      ['apps/v1', 'daemonsets'],
      ['batch/v1', 'jobs'],
      ['batch/v1', 'cronjobs'],
      ['gitplane.io/v1alpha1', 'applications'],
    ]) {
      expect(resource(gv, `${plural}/status`), plural).toBeDefined();
    }
    for (const plural of ['configmaps', 'secrets', 'events', 'endpoints']) expect(resource('v1', `${plural}/status`), plural).toBeUndefined();
    expect(resource('coordination.k8s.io/v1', 'leases/status')).toBeUndefined();
  });

  it('lists the pod subresources the server serves (log, exec, binding)', () => {
    expect(resource('v1', 'pods/log')).toEqual({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    expect(resource('v1', 'pods/exec')).toEqual({ name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] });
    expect(resource('v1', 'pods/binding')).toEqual({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
    expect(resource('v1', 'namespaces/finalize')).toMatchObject({ namespaced: false, kind: 'Namespace', verbs: ['update'] });
    expect(resource('v1', 'pods/eviction')).toBeUndefined();
    expect(resource('v1', 'pods/attach')).toBeUndefined();
  });

  it('computes storageVersionHash as kube-apiserver does', () => {
    expect(storageVersionHash('', 'v1', 'Pod')).toBe('xPOwRZ+Yhw8=');
    expect(storageVersionHash('apps', 'v1', 'Deployment')).toBe('8aSe+NMegvE=');
  });

  it('builds documents from any kind list', () => {
    const kinds: KindInfo[] = [
      {
        apiVersion: 'example.com/v1beta1',
        group: 'example.com',
        version: 'v1beta1',
        kind: 'Widget',
        plural: 'widgets',
        singular: 'widget',
        namespaced: false,
        shortNames: [],
        listKind: 'WidgetList',
        categories: [],
      },
      {
        apiVersion: 'example.com/v1',
        group: 'example.com',
        version: 'v1',
        kind: 'Widget',
        plural: 'widgets',
        singular: 'widget',
        namespaced: false,
        shortNames: ['wd'],
        listKind: 'WidgetList',
        categories: [],
      },
    ];
    expect(apiVersions(undefined, kinds).versions).toEqual([]);
    expect(apiGroup('example.com', kinds)?.preferredVersion.version).toBe('v1');
    expect(apiGroup('example.com', kinds)?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
    expect(apiResourceList('example.com/v1', kinds)?.resources).toEqual([
      { name: 'widgets', singularName: 'widget', namespaced: false, kind: 'Widget', verbs: ALL_VERBS, shortNames: ['wd'], storageVersionHash: storageVersionHash('example.com', 'v1', 'Widget') },
    ]);
  });

  it('orders versions the Kubernetes way', () => {
    expect(['v1alpha1', 'v1beta2', 'v2', 'foo', 'v1', 'v1beta1', 'v11alpha2'].sort(compareKubeVersions)).toEqual([
      'v2',
      'v1',
      'v1beta2',
      'v1beta1',
      'v11alpha2',
      'v1alpha1',
      'foo',
    ]);
  });
});

describe('aggregated discovery', () => {
  const KUBECTL_133_ACCEPT =
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

  it('negotiates v2 for kubectl >= 1.27 and legacy for kubectl 1.20 and client-node', () => {
    expect(wantsAggregated(KUBECTL_133_ACCEPT)).toBe(true);
    expect(wantsAggregated('application/json, */*')).toBe(false);
    expect(wantsAggregated('application/json, */*;q=0.8')).toBe(false);
    expect(wantsAggregated(undefined)).toBe(false);
    expect(wantsAggregated('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json')).toBe(false);
    expect(negotiateAggregatedDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json')).toBe('v2beta1');
    expect(negotiateAggregatedDiscovery(KUBECTL_133_ACCEPT)).toBe('v2');
    // A client that prefers the legacy document gets it.
    expect(negotiateAggregatedDiscovery('application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')).toBeUndefined();
    expect(negotiateAggregatedDiscovery('application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')).toBe('v2');
    expect(negotiateAggregatedDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/json')).toBeUndefined();
  });

  it('has the content types kubectl expects', () => {
    expect(AGGREGATED_DISCOVERY_CONTENT_TYPE).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(aggregatedDiscoveryContentType('v2beta1')).toBe('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
  });

  it('serves the core group at /api as one item named ""', () => {
    const doc = aggregatedDiscovery('core');
    expect(doc).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {} });
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0].metadata).toEqual({ name: '' });
    expect(doc.items[0].versions.map((v) => v.version)).toEqual(['v1']);
    const pods = doc.items[0].versions[0].resources.find((r) => r.resource === 'pods');
    expect(pods).toMatchObject({
      responseKind: { group: '', version: 'v1', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      verbs: ALL_VERBS,
      shortNames: ['po'],
      categories: ['all'],
    });
    expect(pods!.subresources!.map((s) => s.subresource)).toEqual(['binding', 'exec', 'log', 'status']);
    const nodes = doc.items[0].versions[0].resources.find((r) => r.resource === 'nodes');
    expect(nodes?.scope).toBe('Cluster');
    expect(doc.items[0].versions[0].freshness).toBe('Current');
  });

  it('serves every other group at /apis, matching legacy discovery', () => {
    const doc = aggregatedDiscovery('apis');
    expect(doc.items.map((i) => i.metadata.name)).toEqual(apiGroupList().groups.map((g) => g.name));
    const deployments = doc.items.find((i) => i.metadata.name === 'apps')!.versions[0].resources.find((r) => r.resource === 'deployments');
    expect(deployments).toEqual({
      resource: 'deployments',
      responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      scope: 'Namespaced',
      singularResource: 'deployment',
      verbs: ALL_VERBS,
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: [
        { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
        { subresource: 'status', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
      ],
    });
    // Every kind appears exactly once across /api and /apis.
    const all = [...aggregatedDiscovery('core').items, ...doc.items].flatMap((i) =>
      i.versions.flatMap((v) => v.resources.map((r) => `${i.metadata.name}/${v.version}/${r.responseKind.kind}`)),
    );
    expect(all.sort()).toEqual(knownKinds().map((k) => `${k.group}/${k.version}/${k.kind}`).sort());
    expect(aggregatedDiscovery('apis', { version: 'v2beta1' }).apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
  });

  it('agrees with subresourcesOf', () => {
    const rs = knownKinds().find((k) => k.kind === 'ReplicaSet')!;
    expect(subresourcesOf(rs).map((s) => s.subresource)).toEqual(['scale', 'status']);
  });
});
