/**
 * Discovery documents: `/version`, legacy discovery (`/api`, `/apis`, `/apis/<group>`,
 * `/api/v1`, `/apis/<group>/<version>`) and aggregated discovery v2 (`APIGroupDiscoveryList`).
 *
 * Pure functions of the served kinds (knownKinds() unless told otherwise); no I/O. The shapes
 * follow what kube-apiserver 1.31 serves and what kubectl 1.20–1.33 needs (see
 * shared/ref/kubectl-wire.md §2): shortNames and categories come only from discovery, so
 * `kubectl get po` and `kubectl get all` depend on them; subresources are listed as
 * `<plural>/<sub>` entries in legacy discovery and nested under their resource in v2.
 */
import { createHash } from 'node:crypto';
import { knownKinds, schemaFor, type KindInfo } from '../api/schemas.js';

/** The Kubernetes version gitplane reports. 1.31 makes the image's kubectl dispatcher pick a JSON-only kubectl. */
export const KUBERNETES_VERSION = 'v1.31.4';

/** `GET /version` body. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/**
 * The `/version` body of a 1.31.4 server. kubectl's dispatcher picks its kubectl binary from
 * the reported version, so keep it within 1.27–1.31 (kubectl ≥ 1.32 sends protobuf bodies).
 * gitCommit and buildDate are placeholders (override them with gitplane's own build facts).
 */
export function versionInfo(overrides: Partial<VersionInfo> = {}): VersionInfo {
  return {
    major: '1',
    minor: '31',
    gitVersion: KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-12-10T00:00:00Z',
    goVersion: 'go1.22.9',
    compiler: 'gc',
    platform: 'linux/amd64',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// The model: resources and subresources per group/version, built from KindInfo.
// ---------------------------------------------------------------------------------------------

/** The verbs of a served top-level resource. */
export const RESOURCE_VERBS: readonly string[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A subresource gitplane serves, e.g. `pods/log` or `deployments/scale`. */
export interface SubresourceInfo {
  /** e.g. "status", "scale", "log". */
  subresource: string;
  /** Group of the object the subresource takes and returns ("" for core). */
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

interface ExtraSubresource {
  subresource: string;
  /** Defaults to the parent's group/version. */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
}

const SCALE: ExtraSubresource = { subresource: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };

/**
 * Subresources other than `status`, keyed by `<group>/<plural>`. Only what the apiserver serves:
 * exec is listed because kubectl must find it to try (the server refuses the upgrade with a Status).
 */
const EXTRA_SUBRESOURCES: Record<string, ExtraSubresource[]> = {
  '/pods': [
    { subresource: 'binding', kind: 'Binding', verbs: ['create'] },
    { subresource: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { subresource: 'log', kind: 'Pod', verbs: ['get'] },
  ],
  '/namespaces': [{ subresource: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  'apps/deployments': [SCALE],
  'apps/replicasets': [SCALE],
};

/** The verbs of the top-level resource of `info` (namespaces, as in Kubernetes, have no deletecollection). */
export function verbsOf(info: KindInfo): string[] {
  if (info.group === '' && info.plural === 'namespaces') return RESOURCE_VERBS.filter((v) => v !== 'deletecollection');
  return [...RESOURCE_VERBS];
}

function hasStatus(info: KindInfo): boolean {
  const schema = schemaFor(info.apiVersion, info.kind);
  const properties = schema?.properties as Record<string, unknown> | undefined;
  return properties?.status !== undefined;
}

/** Every subresource served for `info`, sorted by name: `status` for kinds with a status, plus scale, log, exec, binding, finalize. */
export function subresourcesOf(info: KindInfo): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  if (hasStatus(info)) {
    out.push({ subresource: 'status', group: info.group, version: info.version, kind: info.kind, verbs: ['get', 'patch', 'update'] });
  }
  for (const extra of EXTRA_SUBRESOURCES[`${info.group}/${info.plural}`] ?? []) {
    out.push({
      subresource: extra.subresource,
      group: extra.group ?? info.group,
      version: extra.version ?? info.version,
      kind: extra.kind,
      verbs: [...extra.verbs],
    });
  }
  return out.sort((a, b) => compareStrings(a.subresource, b.subresource));
}

/**
 * Kubernetes' storageVersionHash: base64 of the first 8 bytes of sha256("<group>/<version>/<kind>").
 * Only storage-version migrators read it; it is here so discovery looks like a real server's.
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const VERSION_RE = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes version priority (apimachinery's CompareKubeAwareVersionStrings): GA before beta
 * before alpha, higher numbers first, non-Kubernetes-looking versions last, alphabetically.
 * Negative when `a` is preferred.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = VERSION_RE.exec(a);
  const mb = VERSION_RE.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return compareStrings(a, b);
  }
  const rank = (m: RegExpExecArray): number => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  if (rank(ma) !== rank(mb)) return rank(mb) - rank(ma);
  if (Number(ma[1]) !== Number(mb[1])) return Number(mb[1]) - Number(ma[1]);
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

interface GroupModel {
  name: string;
  /** Preferred version first. */
  versions: { version: string; kinds: KindInfo[] }[];
}

/** Groups in the order they first appear in `kinds`; the core group is named "". */
function groupsOf(kinds: readonly KindInfo[]): GroupModel[] {
  const groups = new Map<string, Map<string, KindInfo[]>>();
  for (const info of kinds) {
    let versions = groups.get(info.group);
    if (versions === undefined) groups.set(info.group, (versions = new Map()));
    let list = versions.get(info.version);
    if (list === undefined) versions.set(info.version, (list = []));
    list.push(info);
  }
  return [...groups].map(([name, versions]) => ({
    name,
    versions: [...versions]
      .sort(([a], [b]) => compareKubeVersions(a, b))
      .map(([version, list]) => ({ version, kinds: [...list].sort((a, b) => compareStrings(a.plural, b.plural)) })),
  }));
}

function groupVersionString(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function splitGroupVersion(groupVersion: string): { group: string; version: string } {
  const slash = groupVersion.indexOf('/');
  return slash < 0 ? { group: '', version: groupVersion } : { group: groupVersion.slice(0, slash), version: groupVersion.slice(slash + 1) };
}

// ---------------------------------------------------------------------------------------------
// Legacy discovery.
// ---------------------------------------------------------------------------------------------

export interface ServerAddressByClientCIDR {
  clientCIDR: string;
  serverAddress: string;
}

/** `GET /api`. */
export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs?: ServerAddressByClientCIDR[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

/** `GET /apis/<group>`, and one item of `GET /apis`. */
export interface APIGroup {
  kind?: 'APIGroup';
  apiVersion?: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

/** `GET /apis`. */
export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroup[];
}

/** One entry of an APIResourceList. Subresources are entries named `<plural>/<sub>` with singularName "". */
export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  /** Only on subresources whose object is of another group/version (scale). */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** `GET /api/v1`, `GET /apis/<group>/<version>`. */
export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion?: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/**
 * `GET /api`. With `serverAddress` (host:port the clients reach the server at), adds
 * `serverAddressByClientCIDRs: [{clientCIDR: "0.0.0.0/0", serverAddress}]` as kube-apiserver does.
 */
export function apiVersions(serverAddress?: string, kinds: readonly KindInfo[] = knownKinds()): APIVersions {
  const core = groupsOf(kinds).find((g) => g.name === '');
  const doc: APIVersions = { kind: 'APIVersions', versions: core === undefined ? [] : core.versions.map((v) => v.version) };
  if (serverAddress !== undefined) doc.serverAddressByClientCIDRs = [{ clientCIDR: '0.0.0.0/0', serverAddress }];
  return doc;
}

function groupItem(group: GroupModel): APIGroup {
  const versions = group.versions.map((v) => ({ groupVersion: groupVersionString(group.name, v.version), version: v.version }));
  return { name: group.name, versions, preferredVersion: { ...versions[0] } };
}

/** `GET /apis`: every non-core group with its versions, preferred version first. */
export function apiGroupList(kinds: readonly KindInfo[] = knownKinds()): APIGroupList {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsOf(kinds)
      .filter((g) => g.name !== '')
      .map(groupItem),
  };
}

/** `GET /apis/<group>`, or undefined for an unknown group (and for the core group, which lives at /api). */
export function apiGroup(group: string, kinds: readonly KindInfo[] = knownKinds()): APIGroup | undefined {
  if (group === '') return undefined;
  const found = groupsOf(kinds).find((g) => g.name === group);
  return found === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...groupItem(found) };
}

function legacyResources(info: KindInfo): APIResource[] {
  const main: APIResource = {
    name: info.plural,
    singularName: info.singular,
    namespaced: info.namespaced,
    kind: info.kind,
    verbs: verbsOf(info),
  };
  if (info.shortNames.length > 0) main.shortNames = [...info.shortNames];
  if (info.categories.length > 0) main.categories = [...info.categories];
  main.storageVersionHash = storageVersionHash(info.group, info.version, info.kind);
  const out = [main];
  for (const sub of subresourcesOf(info)) {
    const otherGroupVersion = sub.group !== info.group || sub.version !== info.version;
    out.push({
      name: `${info.plural}/${sub.subresource}`,
      singularName: '',
      namespaced: info.namespaced,
      ...(otherGroupVersion ? { group: sub.group, version: sub.version } : {}),
      kind: sub.kind,
      verbs: sub.verbs,
    });
  }
  return out;
}

/**
 * `GET /api/v1` (groupVersion "v1") or `GET /apis/<group>/<version>`: every resource and
 * subresource of that group/version, sorted by name. undefined for an unknown group/version.
 */
export function apiResourceList(groupVersion: string, kinds: readonly KindInfo[] = knownKinds()): APIResourceList | undefined {
  const { group, version } = splitGroupVersion(groupVersion);
  const served = kinds.filter((k) => k.group === group && k.version === version);
  if (served.length === 0) return undefined;
  const resources = served.flatMap(legacyResources).sort((a, b) => compareStrings(a.name, b.name));
  const list: APIResourceList = { kind: 'APIResourceList', groupVersion, resources };
  return group === '' ? list : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

// ---------------------------------------------------------------------------------------------
// Aggregated discovery (apidiscovery.k8s.io v2, and v2beta1 which has the same shape).
// ---------------------------------------------------------------------------------------------

export type AggregatedDiscoveryVersion = 'v2' | 'v2beta1';

/** Content-Type of an aggregated discovery v2 response. */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Content-Type of an aggregated discovery response of the given version. */
export function aggregatedDiscoveryContentType(version: AggregatedDiscoveryVersion = 'v2'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKind;
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKind;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

export interface APIGroupDiscovery {
  metadata: { name: string };
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: `apidiscovery.k8s.io/${AggregatedDiscoveryVersion}`;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

function aggregatedResource(info: KindInfo): APIResourceDiscovery {
  const resource: APIResourceDiscovery = {
    resource: info.plural,
    responseKind: { group: info.group, version: info.version, kind: info.kind },
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singular,
    verbs: verbsOf(info),
  };
  if (info.shortNames.length > 0) resource.shortNames = [...info.shortNames];
  if (info.categories.length > 0) resource.categories = [...info.categories];
  const subresources = subresourcesOf(info);
  if (subresources.length > 0) {
    resource.subresources = subresources.map((s) => ({
      subresource: s.subresource,
      responseKind: { group: s.group, version: s.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return resource;
}

/**
 * The aggregated discovery document for `/api` ('core': one item named "" with v1) or
 * `/apis` ('apis': every other group), served with aggregatedDiscoveryContentType(version).
 */
export function aggregatedDiscovery(
  scope: 'core' | 'apis',
  options: { kinds?: readonly KindInfo[]; version?: AggregatedDiscoveryVersion } = {},
): APIGroupDiscoveryList {
  const groups = groupsOf(options.kinds ?? knownKinds()).filter((g) => (scope === 'core' ? g.name === '' : g.name !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${options.version ?? 'v2'}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name },
      versions: g.versions.map((v) => ({ version: v.version, resources: v.kinds.map(aggregatedResource), freshness: 'Current' as const })),
    })),
  };
}

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [type, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const raw of rawParams) {
      const eq = raw.indexOf('=');
      if (eq < 0) continue;
      const key = raw.slice(0, eq).trim().toLowerCase();
      const value = raw
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'q') q = Number.isNaN(Number(value)) ? 1 : Number(value);
      else params.set(key, value);
    }
    out.push({ type: type.toLowerCase(), params, q });
  }
  return out;
}

/**
 * Content negotiation for `/api` and `/apis`: walks the Accept header in the client's order of
 * preference (q, then position) and returns 'v2' or 'v2beta1' when an aggregated discovery type
 * comes before anything satisfied by the legacy JSON documents (`application/json`,
 * `application/*`, any type), else undefined (serve legacy discovery).
 */
export function negotiateAggregatedDiscovery(accept: string | undefined): AggregatedDiscoveryVersion | undefined {
  if (!accept) return undefined;
  const ranges = parseAccept(accept)
    .map((r, i) => ({ ...r, i }))
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const range of ranges) {
    if (range.params.get('g') === 'apidiscovery.k8s.io' && range.params.get('as') === 'APIGroupDiscoveryList') {
      if (range.type !== 'application/json') continue;
      const version = range.params.get('v');
      if (version === 'v2' || version === 'v2beta1') return version;
      continue;
    }
    if (range.params.has('as')) continue; // e.g. as=Table: not a discovery document
    if (range.type === 'application/json' || range.type === 'application/*' || range.type === '*/*') return undefined;
  }
  return undefined;
}

/**
 * Whether to answer `/api` or `/apis` with aggregated discovery v2 (kubectl ≥ 1.27 asks for it
 * first; kubectl 1.20 sends `application/json` and any type and gets legacy discovery).
 */
export function wantsAggregated(accept: string | undefined): boolean {
  return negotiateAggregatedDiscovery(accept) === 'v2';
}
