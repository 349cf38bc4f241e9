// Application spec.ignoreDifferences: which fields of which resources are left out of the
// comparison (and out of the patch). A rule names a kind (and optionally group, name,
// namespace; "*" matches any) and JSON pointers or expressions in a subset of jq, compiled
// once and cached (see jq-path.ts for the grammar). Compiling an unsupported expression throws.

import { parseJsonPointer } from '../../api/patch/index.js';
import type { ResourceId } from '../types.js';
import { compileJqPath, deleteJqPath, type JqPath } from './jq-path.js';

export interface IgnoreRule {
  /** API group; "" is the core group; undefined or "*" matches any group. */
  group?: string;
  /** Kind; "*" matches any kind. */
  kind: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers, e.g. "/spec/replicas". */
  jsonPointers?: string[];
  /** jq paths, e.g. `.spec.template.spec.containers[] | select(.name == "app") | .image`. */
  jqPathExpressions?: string[];
}

/** Removes the ignored fields of one object, in place. */
export type IgnoreStripper = (obj: Record<string, unknown>) => void;

const pointerCache = new Map<string, string[]>();
const jqCache = new Map<string, JqPath>();

function compilePointer(pointer: string): string[] {
  let tokens = pointerCache.get(pointer);
  if (!tokens) {
    tokens = parseJsonPointer(pointer);
    if (tokens.length === 0) throw new Error(`ignoreDifferences: the JSON pointer ${JSON.stringify(pointer)} names the whole object`);
    pointerCache.set(pointer, tokens);
  }
  return tokens;
}

function compileJq(expr: string): JqPath {
  let path = jqCache.get(expr);
  if (!path) {
    path = compileJqPath(expr);
    jqCache.set(expr, path);
  }
  return path;
}

/** Throws a readable error when a rule uses an invalid pointer or unsupported jq. */
export function validateIgnoreRules(rules: IgnoreRule[]): void {
  for (const rule of rules) {
    if (!rule.kind) throw new Error('ignoreDifferences: every rule needs a kind ("*" for any)');
    for (const p of rule.jsonPointers ?? []) compilePointer(p);
    for (const e of rule.jqPathExpressions ?? []) compileJq(e);
  }
}

function matches(rule: IgnoreRule, id: ResourceId): boolean {
  const eq = (want: string | undefined, have: string): boolean => want === undefined || want === '*' || want === have;
  return (rule.kind === '*' || rule.kind === id.kind) && eq(rule.group, id.group) && eq(rule.name, id.name) && eq(rule.namespace, id.namespace);
}

/** The stripper for the rules that apply to `id`, or undefined when none does. */
export function ignoreStripperFor(rules: IgnoreRule[] | undefined, id: ResourceId): IgnoreStripper | undefined {
  if (!rules || rules.length === 0) return undefined;
  const pointers: string[][] = [];
  const jq: JqPath[] = [];
  for (const rule of rules) {
    if (!matches(rule, id)) continue;
    for (const p of rule.jsonPointers ?? []) pointers.push(compilePointer(p));
    for (const e of rule.jqPathExpressions ?? []) jq.push(compileJq(e));
  }
  if (pointers.length === 0 && jq.length === 0) return undefined;
  return (obj) => {
    for (const tokens of pointers) deletePointer(obj, tokens);
    for (const path of jq) deleteJqPath(obj, path);
  };
}

function deletePointer(obj: unknown, tokens: string[]): void {
  let node: unknown = obj;
  for (let i = 0; i < tokens.length - 1; i++) {
    node = child(node, tokens[i]);
    if (node === undefined) return;
  }
  const last = tokens[tokens.length - 1];
  if (Array.isArray(node)) {
    const index = arrayIndex(node, last);
    if (index !== undefined) node.splice(index, 1);
  } else if (typeof node === 'object' && node !== null && Object.prototype.hasOwnProperty.call(node, last)) {
    delete (node as Record<string, unknown>)[last];
  }
}

function child(node: unknown, token: string): unknown {
  if (Array.isArray(node)) {
    const index = arrayIndex(node, token);
    return index === undefined ? undefined : node[index];
  }
  if (typeof node === 'object' && node !== null && Object.prototype.hasOwnProperty.call(node, token)) return (node as Record<string, unknown>)[token];
  return undefined;
}

function arrayIndex(list: unknown[], token: string): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < list.length ? index : undefined;
}
