// Resource arguments as kubectl takes them: `pods`, `po`, `pod`, `Pod`,
// `deployments.apps`, `deploy,svc`, `deployment/web`, categories (`all`), each
// resolved to a kind the server serves — from the schemas gitplane ships
// (knownKinds()), then from the server's discovery documents for anything else.

import { knownKinds, kindInfo, type KindInfo } from '../../api/schemas.js';
import type { Client, KubeObject, ResourceClient } from '../../client/index.js';
import { KubeError } from './errors.js';

/** Order of `get all`, as kubectl prints it (kinds not listed follow, in catalog order). */
const ALL_ORDER = ['Pod', 'ReplicationController', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'HorizontalPodAutoscaler', 'CronJob', 'Job'];

/** A set of served kinds, searchable by the names kubectl accepts. */
export class ResourceCatalog {
  constructor(readonly kinds: readonly KindInfo[]) {}

  static builtin(): ResourceCatalog {
    return new ResourceCatalog(knownKinds());
  }

  /**
   * The kind a resource word names: plural, singular, short name or kind (any case), optionally
   * qualified by group (`deployments.apps`) or version and group (`deployments.v1.apps`).
   */
  find(text: string): KindInfo | undefined {
    const word = text.trim().toLowerCase();
    if (!word) return undefined;
    const matches = this.kinds.filter((k) => namesOf(k).some((n) => word === n || word === `${n}.${k.group}` || word === `${n}.${k.version}.${k.group}` || (k.group === '' && word === `${n}.${k.version}`)));
    if (matches.length <= 1) return matches[0];
    // Prefer a plural or singular match over a short name, the core group over others.
    return matches.find((k) => k.plural === word || k.singular === word || k.kind.toLowerCase() === word) ?? matches[0];
  }

  /** The kinds in a category (`all`), in kubectl's order. */
  category(name: string): KindInfo[] {
    const word = name.trim().toLowerCase();
    const found = this.kinds.filter((k) => k.categories.includes(word));
    const rank = (k: KindInfo) => {
      const i = ALL_ORDER.indexOf(k.kind);
      return i < 0 ? ALL_ORDER.length : i;
    };
    return found.map((k, i) => ({ k, i })).sort((a, b) => rank(a.k) - rank(b.k) || a.i - b.i).map(({ k }) => k);
  }

  /** The kind for a manifest's apiVersion and kind. */
  forObject(apiVersion: string, kind: string): KindInfo | undefined {
    return this.kinds.find((k) => k.apiVersion === apiVersion && k.kind === kind);
  }
}

function namesOf(k: KindInfo): string[] {
  return [k.plural, k.singular, k.kind.toLowerCase(), ...k.shortNames.map((s) => s.toLowerCase())].filter((n) => n !== '');
}

/** Resolves resource words against the built-in kinds, and the server's discovery when those do not know one. */
export class ResourceResolver {
  private readonly builtin = ResourceCatalog.builtin();
  private discovered?: Promise<ResourceCatalog | undefined>;

  constructor(private readonly client?: Client) {}

  /** One word (no commas): a kind, or a category's kinds. Throws kubectl's "doesn't have a resource type". */
  async resolve(word: string): Promise<KindInfo[]> {
    const local = this.builtin.find(word);
    if (local) return [local];
    const category = this.builtin.category(word);
    if (category.length > 0) return category;
    const remote = await this.discover();
    const found = remote?.find(word);
    if (found) return [found];
    const remoteCategory = remote?.category(word) ?? [];
    if (remoteCategory.length > 0) return remoteCategory;
    throw new KubeError(`the server doesn't have a resource type "${word}"`);
  }

  /** Exactly one kind (categories are not allowed where one type is needed). */
  async resolveOne(word: string): Promise<KindInfo> {
    const kinds = await this.resolve(word);
    if (kinds.length !== 1) throw new KubeError(`"${word}" names ${kinds.length} resource types; name one (e.g. ${kinds[0]?.plural ?? 'pods'})`);
    return kinds[0]!;
  }

  /** The kind of a manifest; throws kubectl's "no matches for kind". */
  async forObject(apiVersion: string, kind: string): Promise<KindInfo> {
    const local = this.builtin.forObject(apiVersion, kind);
    if (local) return local;
    const remote = (await this.discover())?.forObject(apiVersion, kind);
    if (remote) return remote;
    throw new KubeError(`no matches for kind "${kind}" in version "${apiVersion}"`);
  }

  private discover(): Promise<ResourceCatalog | undefined> {
    if (!this.client) return Promise.resolve(undefined);
    this.discovered ??= discoverKinds(this.client).then(
      (kinds) => new ResourceCatalog(kinds),
      () => undefined,
    );
    return this.discovered;
  }
}

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
}

/** Every top-level resource the server lists in legacy discovery (/api/v1, /apis/<group>/<preferred version>). */
export async function discoverKinds(client: Client): Promise<KindInfo[]> {
  const groupVersions: string[] = [];
  const core = await client.raw<{ versions?: string[] }>('GET', '/api');
  for (const v of core.versions ?? []) groupVersions.push(v);
  const groups = await client.raw<{ groups?: Array<{ name: string; preferredVersion?: { groupVersion: string }; versions?: Array<{ groupVersion: string }> }> }>('GET', '/apis');
  for (const g of groups.groups ?? []) {
    const gv = g.preferredVersion?.groupVersion ?? g.versions?.[0]?.groupVersion;
    if (gv) groupVersions.push(gv);
  }
  const kinds: KindInfo[] = [];
  for (const gv of groupVersions) {
    const list = await client.raw<{ resources?: ApiResource[] }>('GET', gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`);
    const slash = gv.indexOf('/');
    const group = slash < 0 ? '' : gv.slice(0, slash);
    const version = slash < 0 ? gv : gv.slice(slash + 1);
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue; // subresources
      kinds.push({
        apiVersion: gv,
        group,
        version,
        kind: r.kind,
        plural: r.name,
        singular: r.singularName || r.kind.toLowerCase(),
        namespaced: r.namespaced,
        shortNames: r.shortNames ?? [],
        listKind: `${r.kind}List`,
        categories: r.categories ?? [],
      });
    }
  }
  return kinds;
}

/** "deployment.apps" or "pod": how kubectl names a kind in `kind/name` output. */
export function qualifiedKind(info: Pick<KindInfo, 'kind' | 'group'>): string {
  return info.group ? `${info.kind.toLowerCase()}.${info.group}` : info.kind.toLowerCase();
}

/** "deployments.apps" or "pods": how the API server names a resource in messages. */
export function qualifiedResource(info: Pick<KindInfo, 'plural' | 'group'>): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

/** A client for a kind, scoped to `namespace` when the kind is namespaced and one is given. */
export function resourceClient(client: Client, info: KindInfo, namespace?: string): ResourceClient<KubeObject> {
  const rc = kindInfo(info.apiVersion, info.kind) ? client.resource(info.apiVersion, info.kind) : client.resource(info.apiVersion, info.kind, { plural: info.plural, namespaced: info.namespaced, listKind: info.listKind });
  return namespace !== undefined && info.namespaced ? rc.namespace(namespace) : rc;
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/** What the positional arguments ask for: types and names, or TYPE/NAME pairs. */
export type ResourceArgs = { form: 'types'; types: string[]; names: string[] } | { form: 'pairs'; pairs: Array<{ type: string; name: string }> };

/**
 * Split positional arguments as kubectl does: `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME…`.
 * Throws a KubeError (a usage problem) for mixed or malformed forms.
 */
export function parseResourceArgs(args: string[], verb = 'get'): ResourceArgs {
  const withSlash = args.filter((a) => a.includes('/'));
  if (withSlash.length > 0) {
    if (withSlash.length !== args.length) {
      throw new KubeError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'gitplane ${verb} resource/<resource_name>' instead of 'gitplane ${verb} resource resource/<resource_name>'`,
        2,
      );
    }
    return {
      form: 'pairs',
      pairs: args.map((a) => {
        const slash = a.indexOf('/');
        const type = a.slice(0, slash);
        const name = a.slice(slash + 1);
        if (!type || !name || name.includes('/') || type.includes(',')) throw new KubeError(`arguments in resource/name form must have a single resource and name, not "${a}"`, 2);
        return { type, name };
      }),
    };
  }
  if (args.length === 0) return { form: 'types', types: [], names: [] };
  const types = args[0]!.split(',').filter((t) => t !== '');
  if (types.length === 0) throw new KubeError(`"${args[0]}" names no resource type`, 2);
  return { form: 'types', types, names: args.slice(1) };
}

/** One kind and the names asked for (none: the whole collection). */
export interface ResourceRequest {
  info: KindInfo;
  names: string[];
}

/** Resolve parsed arguments to kinds; TYPE/NAME pairs of the same kind in a row are grouped. */
export async function resolveRequests(resolver: ResourceResolver, args: ResourceArgs): Promise<ResourceRequest[]> {
  const out: ResourceRequest[] = [];
  const add = (info: KindInfo, names: string[]) => {
    const last = out[out.length - 1];
    if (last && last.info.apiVersion === info.apiVersion && last.info.kind === info.kind && names.length > 0 && last.names.length > 0) last.names.push(...names);
    else out.push({ info, names });
  };
  if (args.form === 'pairs') {
    for (const p of args.pairs) add(await resolver.resolveOne(p.type), [p.name]);
    return out;
  }
  for (const t of args.types) for (const info of await resolver.resolve(t)) out.push({ info, names: [...args.names] });
  return out;
}

/** kubectl prints `kind/name` when more than one type was asked for (or `all`). */
export function multipleTypesRequested(args: ResourceArgs, requests: ResourceRequest[]): boolean {
  if (args.form === 'types' && args.types.length === 1 && requests.length > 1) return true; // a category
  const kinds = new Set(requests.map((r) => `${r.info.apiVersion}/${r.info.kind}`));
  return kinds.size > 1;
}
