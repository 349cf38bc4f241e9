// configMapGenerator and secretGenerator: ConfigMaps and Secrets built from literals
// ("k=v"), files ("path" or "key=path") and env files, with generatorOptions' labels,
// annotations, immutable and disableNameSuffixHash. Only behavior "create" is supported.

import type { KubeObject } from '../../types.js';
import type { RenderContext } from '../context.js';
import { baseName, joinPath } from '../paths.js';
import type { Resource } from '../resource.js';
import { lineIn, type Kustomization } from './kustomization.js';

type Obj = Record<string, unknown>;

interface Options {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function mergeOptions(base: Options, over: unknown): Options {
  if (!isObj(over)) return base;
  const out: Options = { ...base };
  if (isObj(over.labels)) out.labels = { ...base.labels, ...(over.labels as Record<string, string>) };
  if (isObj(over.annotations)) out.annotations = { ...base.annotations, ...(over.annotations as Record<string, string>) };
  if (typeof over.disableNameSuffixHash === 'boolean') out.disableNameSuffixHash = over.disableNameSuffixHash;
  if (typeof over.immutable === 'boolean') out.immutable = over.immutable;
  return out;
}

/** kustomize's removeQuotes: "v" and 'v' lose their matching quotes. */
function unquote(s: string): string {
  return s.length >= 2 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") ? s.slice(1, -1) : s;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Collects one generator entry's key/value pairs; reports problems and returns undefined on any. */
async function collectData(ctx: RenderContext, k: Kustomization, field: string, entry: Obj): Promise<Map<string, string> | undefined> {
  const data = new Map<string, string>();
  let ok = true;
  const fail = (path: string, message: string) => {
    ctx.error(k.file, { line: lineIn(k, path), field: path, message });
    ok = false;
  };
  const put = (path: string, key: string, value: string) => {
    if (data.has(key)) fail(path, `duplicate key "${key}"`);
    else data.set(key, value);
  };
  strings(entry.literals).forEach((literal, i) => {
    const eq = literal.indexOf('=');
    if (eq <= 0) fail(`${field}.literals[${i}]`, `invalid literal "${literal}": expected key=value`);
    else put(`${field}.literals[${i}]`, literal.slice(0, eq), unquote(literal.slice(eq + 1)));
  });
  for (const [i, source] of strings(entry.files).entries()) {
    const eq = source.indexOf('=');
    const key = eq > 0 ? source.slice(0, eq) : baseName(source);
    const rel = eq > 0 ? source.slice(eq + 1) : source;
    const path = joinPath(k.dir, rel);
    const text = path === undefined ? undefined : await ctx.readText(path);
    if (text === undefined) fail(`${field}.files[${i}]`, `file "${rel}" not found`);
    else put(`${field}.files[${i}]`, key, text);
  }
  const envs = [...strings(entry.envs).map((e, i) => [e, `${field}.envs[${i}]`]), ...strings(entry.env).map((e) => [e, `${field}.env`])];
  for (const [rel, at] of envs) {
    const path = joinPath(k.dir, rel);
    const text = path === undefined ? undefined : await ctx.readText(path);
    if (text === undefined) {
      fail(at, `env file "${rel}" not found`);
      continue;
    }
    text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, n) => {
      const line = raw.trimStart();
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      const key = eq < 0 ? line : line.slice(0, eq);
      if (!ENV_NAME.test(key)) fail(at, `${rel}:${n + 1}: invalid environment variable name "${key}"`);
      else if (eq < 0) fail(at, `${rel}:${n + 1}: "${key}" has no "=": gitplane does not take values from its own environment`);
      else put(at, key, line.slice(eq + 1));
    });
  }
  return ok ? data : undefined;
}

async function generate(ctx: RenderContext, k: Kustomization, kind: 'ConfigMap' | 'Secret', defaults: Options): Promise<Resource[]> {
  const field = kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator';
  const entries = (k.value[field] as unknown[] | undefined) ?? [];
  const out: Resource[] = [];
  for (const [i, raw] of entries.entries()) {
    const at = `${field}[${i}]`;
    const line = lineIn(k, at);
    if (!isObj(raw) || typeof raw.name !== 'string' || raw.name === '') {
      ctx.error(k.file, { line, field: `${at}.name`, message: 'Required value' });
      continue;
    }
    const behavior = raw.behavior ?? 'create';
    if (behavior !== 'create') {
      ctx.error(k.file, { line: lineIn(k, `${at}.behavior`), field: `${at}.behavior`, message: `unsupported generator behavior "${String(behavior)}": only "create" is supported` });
      continue;
    }
    const data = await collectData(ctx, k, at, raw);
    if (data === undefined) continue;
    const options = mergeOptions(defaults, raw.options);
    const metadata: KubeObject['metadata'] = { name: raw.name };
    if (typeof raw.namespace === 'string' && raw.namespace !== '') metadata.namespace = raw.namespace;
    if (options.labels && Object.keys(options.labels).length > 0) metadata.labels = { ...options.labels };
    if (options.annotations && Object.keys(options.annotations).length > 0) metadata.annotations = { ...options.annotations };
    const object: KubeObject = { apiVersion: 'v1', kind, metadata };
    if (kind === 'Secret') object.type = typeof raw.type === 'string' ? raw.type : 'Opaque';
    if (data.size > 0) {
      const values = [...data].map(([key, v]) => [key, kind === 'Secret' ? Buffer.from(v, 'utf8').toString('base64') : v]);
      object.data = Object.fromEntries(values);
    }
    if (options.immutable) object.immutable = true;
    out.push({ object, source: { file: k.file, line }, pristine: false, names: [], origin: k.dir, hash: options.disableNameSuffixHash !== true });
  }
  return out;
}

/** The ConfigMaps and Secrets `k`'s generators make, in that order. */
export async function runGenerators(ctx: RenderContext, k: Kustomization): Promise<Resource[]> {
  const defaults = mergeOptions({}, k.value.generatorOptions);
  return [...(await generate(ctx, k, 'ConfigMap', defaults)), ...(await generate(ctx, k, 'Secret', defaults))];
}
