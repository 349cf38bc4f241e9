// Label selectors on the client side: the string form the API takes in
// `?labelSelector=` ("app=web,tier in (a,b),!canary"), the structured
// LabelSelector of specs (matchLabels/matchExpressions), conversion between
// them, and matching, which listers use to filter the cache.

import type { LabelSelector } from '../api/generated/index.js';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  /** For In/NotIn (one or more), Gt/Lt (exactly one integer); empty for Exists/DoesNotExist. */
  values: string[];
}

export type Labels = Readonly<Record<string, string>> | undefined;

/** A selector as a list of requirements, all of which must hold; empty matches everything. */
export class Selector {
  constructor(readonly requirements: readonly Requirement[]) {}

  static everything(): Selector {
    return new Selector([]);
  }

  /** Parse the `labelSelector` query syntax; throws an Error describing the first problem. */
  static parse(text: string): Selector {
    return new Selector(parseRequirements(text));
  }

  /** From a spec's LabelSelector. Undefined selects everything (as a list filter does). */
  static fromLabelSelector(selector: LabelSelector | undefined): Selector {
    if (selector === undefined) return Selector.everything();
    const reqs: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, operator: 'In', values: [value] }));
    for (const expr of selector.matchExpressions ?? []) {
      const operator = expr.operator as SelectorOperator;
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(operator)) throw new Error(`${expr.operator} is not a valid label selector operator`);
      reqs.push({ key: expr.key, operator, values: [...(expr.values ?? [])] });
    }
    return new Selector(reqs);
  }

  /** Exactly these labels (matchLabels). */
  static fromSet(labels: Readonly<Record<string, string>>): Selector {
    return new Selector(Object.entries(labels).map(([key, value]) => ({ key, operator: 'In', values: [value] })));
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    return this.requirements.every((r) => matchesRequirement(r, labels ?? {}));
  }

  /** The canonical query form, e.g. "app=web,tier in (a,b),!canary". */
  toString(): string {
    return this.requirements.map(formatRequirement).join(',');
  }
}

/** A selector from any of the forms callers hold. */
export type SelectorInput = string | LabelSelector | Selector;

export function toSelector(input: SelectorInput | undefined): Selector {
  if (input === undefined) return Selector.everything();
  if (input instanceof Selector) return input;
  if (typeof input === 'string') return Selector.parse(input);
  return Selector.fromLabelSelector(input);
}

/** The query string for a selector input ("" selects everything). */
export function formatSelector(input: SelectorInput | undefined): string {
  if (input === undefined) return '';
  if (typeof input === 'string') return input;
  return toSelector(input).toString();
}

function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(value!);
    case 'NotIn':
      return !has || !r.values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      const bound = Number(r.values[0]);
      return r.operator === 'Gt' ? Number(value) > bound : Number(value) < bound;
    }
  }
}

function formatRequirement(r: Requirement): string {
  switch (r.operator) {
    case 'In':
      return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${[...r.values].sort().join(',')})`;
    case 'NotIn':
      return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${[...r.values].sort().join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Gt':
      return `${r.key}>${r.values[0]}`;
    case 'Lt':
      return `${r.key}<${r.values[0]}`;
  }
}

// ---------------------------------------------------------------------------
// Parsing. Requirements are separated by commas outside parentheses.

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseRequirements(text: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new Error(`unable to parse label selector "${text}": unbalanced parentheses`);
  }
  if (depth !== 0) throw new Error(`unable to parse label selector "${text}": unbalanced parentheses`);
  parts.push(text.slice(start));
  if (parts.length === 1 && parts[0].trim() === '') return [];
  return parts.map((p) => parseRequirement(p.trim(), text));
}

function parseRequirement(part: string, whole: string): Requirement {
  const fail = (why: string): never => {
    throw new Error(`unable to parse label selector "${whole}": ${why}`);
  };
  if (part === '') fail('empty requirement');
  const key = (k: string): string => {
    const trimmed = k.trim();
    if (!KEY.test(trimmed)) fail(`invalid label key "${trimmed}"`);
    return trimmed;
  };
  const value = (v: string): string => {
    const trimmed = v.trim();
    if (!VALUE.test(trimmed) || trimmed.length > 63) fail(`invalid label value "${trimmed}"`);
    return trimmed;
  };
  if (part.startsWith('!')) return { key: key(part.slice(1)), operator: 'DoesNotExist', values: [] };
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = set[3].split(',').map(value);
    if (values.length === 0) fail('a set needs at least one value');
    return { key: key(set[1]), operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const op = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
  if (op) {
    const k = key(op[1]);
    const v = value(op[3]);
    switch (op[2]) {
      case '=':
      case '==':
        return { key: k, operator: 'In', values: [v] };
      case '!=':
        return { key: k, operator: 'NotIn', values: [v] };
      default:
        if (!/^-?\d+$/.test(v)) fail(`"${v}" is not an integer for ${op[2]}`);
        return { key: k, operator: op[2] === '>' ? 'Gt' : 'Lt', values: [v] };
    }
  }
  return { key: key(part), operator: 'Exists', values: [] };
}
