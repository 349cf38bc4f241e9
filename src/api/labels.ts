/**
 * Label selectors, as k8s.io/apimachinery/pkg/labels parses, validates, matches and prints
 * them: the string form used by `?labelSelector=` and `kubectl -l`
 * (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), and the LabelSelector objects of Deployments,
 * Services and affinity terms (`matchLabels` + `matchExpressions`).
 *
 * Requirements are kept sorted by key and the values of `in`/`notin` as a sorted set, so
 * toString() gives the canonical form Kubernetes prints.
 */
import { badRequest } from './status.js';

/** Operators, spelled as k8s.io/apimachinery/pkg/selection spells them. */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** One value for =, ==, !=, gt, lt; a sorted set for in/notin; none for exists and !. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

export interface Selector {
  /** Whether the labels satisfy every requirement. */
  matches(labels: Labels | undefined): boolean;
  /** True when the selector does not restrict anything (it matches every object). */
  empty(): boolean;
  /** The canonical string form, e.g. "app=web,tier in (back,front)". */
  toString(): string;
  /** The requirements, sorted by key. Empty for both everything() and nothing(). */
  readonly requirements: readonly Requirement[];
  /** The value a requirement `key=v`, `key==v` or `key in (v)` pins, if any. */
  requiresExactMatch(key: string): string | undefined;
}

/** The `metav1.LabelSelector` object form. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

// ---- validation (k8s.io/apimachinery/pkg/util/validation) ----

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) s += ' or ';
    s += `'${e}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

/** Problems with a label key (a qualified name: `[prefix/]name`); empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) errs.push(`prefix part ${regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com')}`);
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** Problems with a label value; empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

function invalid(path: string, value: unknown, detail: string): string {
  return `${path ? `${path}: ` : ''}Invalid value: ${JSON.stringify(value)}: ${detail}`;
}

function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

const OPERATORS: readonly Operator[] = ['=', '==', '!=', 'in', 'notin', 'exists', '!', 'gt', 'lt'];
const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

/** Problems with one requirement, as NewRequirement reports them; empty when valid. */
function requirementErrors(key: string, operator: string, values: readonly string[], path = ''): string[] {
  const errs: string[] = [];
  const child = (name: string): string => (path ? `${path}.${name}` : name);
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) errs.push(invalid(child('key'), key, keyErrs.join('; ')));
  const valuesPath = child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid(valuesPath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid(valuesPath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid(valuesPath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid(valuesPath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?[0-9]+$/.test(v)) errs.push(invalid(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(`${child('operator')}: Unsupported value: ${JSON.stringify(operator)}: supported values: ${OPERATORS.map((o) => `"${o}"`).join(', ')}`);
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(invalid(`${valuesPath}[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs;
}

function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/** Byte-wise order, as Go's sort.Strings orders. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A validated requirement. Throws a 400 StatusError naming the problem, e.g. an `in` with no
 * values or a key that is not a qualified name.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[] = []): Requirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length > 0) throw badRequest(aggregate(errs));
  return makeRequirement(key, operator, values);
}

function makeRequirement(key: string, operator: Operator, values: readonly string[]): Requirement {
  const vals = operator === 'in' || operator === 'notin' ? sortedSet(values) : [...values];
  return Object.freeze({ key, operator, values: Object.freeze(vals) });
}

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value as string);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const left = toBigInt(value as string);
      const right = toBigInt(r.values[0]);
      if (left === undefined || right === undefined) return false;
      return r.operator === 'gt' ? left > right : left < right;
    }
  }
}

function toBigInt(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

function requirementString(r: Requirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case 'in':
    case 'notin':
      return `${s} ${r.operator} (${sortedSet(r.values).join(',')})`;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    default:
      s += r.operator;
  }
  return s + r.values.join(',');
}

class RequirementsSelector implements Selector {
  readonly requirements: readonly Requirement[];

  constructor(requirements: Requirement[]) {
    // A stable sort by key, so the string form is deterministic.
    this.requirements = Object.freeze(requirements.map((r, i) => ({ r, i })).sort((a, b) => compareStrings(a.r.key, b.r.key) || a.i - b.i).map((x) => x.r));
  }

  matches(labels: Labels | undefined): boolean {
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }

  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }
}

const NOTHING: Selector = Object.freeze({
  requirements: Object.freeze([]) as readonly Requirement[],
  matches: () => false,
  empty: () => false,
  toString: () => '',
  requiresExactMatch: () => undefined,
});
const EVERYTHING: Selector = new RequirementsSelector([]);

/** The selector that matches every object. */
export function everything(): Selector {
  return EVERYTHING;
}

/** The selector that matches no object (a null LabelSelector). */
export function nothing(): Selector {
  return NOTHING;
}

/** A selector from requirements already built with newRequirement. */
export function selectorFromRequirements(requirements: readonly Requirement[]): Selector {
  return new RequirementsSelector([...requirements]);
}

/** `key=value` for every entry; an empty or missing set selects everything. Not validated. */
export function selectorFromSet(set: Record<string, string> | null | undefined): Selector {
  if (!set) return EVERYTHING;
  return new RequirementsSelector(Object.entries(set).map(([k, v]) => makeRequirement(k, '=', [v])));
}

/**
 * Converts a LabelSelector object as metav1.LabelSelectorAsSelector does: null/undefined
 * selects nothing, an empty selector selects everything. Throws a 400 StatusError for an
 * unknown operator or invalid keys and values.
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return NOTHING;
  const requirements: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) requirements.push(newRequirement(k, '=', [v]));
  for (const expr of ls.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[expr.operator as 'In'];
    if (op === undefined) throw badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    requirements.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return new RequirementsSelector(requirements);
}

/**
 * The LabelSelector object for a selector of =, ==, in, notin, exists and ! requirements,
 * e.g. to print a parsed `-l` back as an object. Throws for gt, lt and !=, which the object
 * form cannot express.
 */
export function labelSelectorFromSelector(selector: Selector): LabelSelector {
  const out: LabelSelector = {};
  for (const r of selector.requirements) {
    if ((r.operator === '=' || r.operator === '==') && !(out.matchLabels && r.key in out.matchLabels)) {
      (out.matchLabels ??= {})[r.key] = r.values[0];
      continue;
    }
    const operator = { '=': 'In', '==': 'In', in: 'In', notin: 'NotIn', exists: 'Exists', '!': 'DoesNotExist' }[r.operator as 'in'];
    if (operator === undefined) throw badRequest(`operator ${JSON.stringify(r.operator)} cannot be expressed in a LabelSelector`);
    (out.matchExpressions ??= []).push({ key: r.key, operator, ...(r.values.length > 0 ? { values: [...r.values] } : {}) });
  }
  return out;
}

// ---- the string form: lexer and recursive-descent parser, as pkg/labels has them ----

type TokenKind =
  | 'end'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

interface Token {
  kind: TokenKind;
  literal: string;
}

const LITERALS: Readonly<Record<string, TokenKind>> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

function literalKind(s: string): TokenKind | undefined {
  return Object.prototype.hasOwnProperty.call(LITERALS, s) ? LITERALS[s] : undefined;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos])) pos++;
    if (pos >= input.length) {
      tokens.push({ kind: 'end', literal: '' });
      return tokens;
    }
    if (isSpecial(input[pos])) {
      // The longest run of special characters that is still an operator: "!=" before "!".
      let buffer = '';
      let last: Token | undefined;
      while (pos < input.length && isSpecial(input[pos])) {
        buffer += input[pos];
        const kind = literalKind(buffer);
        if (kind) {
          last = { kind, literal: buffer };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      if (!last) throw badRequest(`unable to parse requirement: error expected: keyword found '${buffer}'`);
      tokens.push(last);
    } else {
      let buffer = '';
      while (pos < input.length && !isSpecial(input[pos]) && !isWhitespace(input[pos])) buffer += input[pos++];
      tokens.push({ kind: literalKind(buffer) ?? 'identifier', literal: buffer });
    }
  }
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  /** In a values context, "in" and "notin" are plain identifiers. */
  private peek(values: boolean): Token {
    const t = this.tokens[this.position];
    return values && (t.kind === 'in' || t.kind === 'notIn') ? { kind: 'identifier', literal: t.literal } : t;
  }

  private next(values: boolean): Token {
    const t = this.peek(values);
    this.position++;
    return t;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const t = this.peek(true);
      if (t.kind === 'end') return requirements;
      if (t.kind !== 'identifier' && t.kind !== 'doesNotExist') {
        throw new ParseError(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.parseRequirement());
      } catch (err) {
        if (err instanceof ParseError) throw new ParseError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const after = this.next(true);
      if (after.kind === 'end') return requirements;
      if (after.kind !== 'comma') throw new ParseError(`found '${after.literal}', expected: ',' or 'end of string'`);
      const following = this.peek(true);
      if (following.kind !== 'identifier' && following.kind !== 'doesNotExist') {
        throw new ParseError(`found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): Requirement {
    let operator: Operator | undefined;
    let t = this.next(true);
    if (t.kind === 'doesNotExist') {
      operator = '!';
      t = this.next(true);
    }
    if (t.kind !== 'identifier') throw new ParseError(`found '${t.literal}', expected: identifier`);
    const key = t.literal;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length > 0) throw new ParseError(invalid('', key, keyErrs.join('; ')));
    const lookahead = this.peek(true).kind;
    if (operator === '!' || lookahead === 'end' || lookahead === 'comma') {
      return this.build(key, operator ?? 'exists', []);
    }
    operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return this.build(key, operator, values);
  }

  private build(key: string, operator: Operator, values: string[]): Requirement {
    const errs = requirementErrors(key, operator, values);
    if (errs.length > 0) throw new ParseError(aggregate(errs));
    return makeRequirement(key, operator, values);
  }

  private parseOperator(): Operator {
    const t = this.next(false);
    const op = ({ in: 'in', equals: '=', doubleEquals: '==', greaterThan: 'gt', lessThan: 'lt', notIn: 'notin', notEquals: '!=' } as const)[
      t.kind as 'in'
    ];
    if (op === undefined) throw new ParseError(`found '${t.literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
    return op;
  }

  private parseValues(): string[] {
    const open = this.next(true);
    if (open.kind !== 'openPar') throw new ParseError(`found '${open.literal}' expected: '('`);
    const t = this.peek(true);
    if (t.kind === 'closedPar') {
      this.next(true);
      return [''];
    }
    if (t.kind !== 'identifier' && t.kind !== 'comma') throw new ParseError(`found '${t.literal}', expected: ',', ')' or identifier`);
    const values = this.parseIdentifiersList();
    const close = this.next(true);
    if (close.kind !== 'closedPar') throw new ParseError(`found '${close.literal}', expected: ')'`);
    return values;
  }

  /** A comma-separated list of possibly empty values: "(a,,b)", "(,a)" and "(a,)" hold "". */
  private parseIdentifiersList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const t = this.next(true);
      if (t.kind === 'identifier') {
        values.add(t.literal);
        const after = this.peek(true);
        if (after.kind === 'comma') continue;
        if (after.kind === 'closedPar') return [...values];
        throw new ParseError(`found '${after.literal}', expected: ',' or ')'`);
      }
      if (t.kind === 'comma') {
        if (values.size === 0) values.add('');
        const after = this.peek(true);
        if (after.kind === 'closedPar') {
          values.add('');
          return [...values];
        }
        if (after.kind === 'comma') {
          this.next(true);
          values.add('');
        }
        continue;
      }
      throw new ParseError(`found '${t.literal}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): string[] {
    const t = this.peek(true);
    if (t.kind === 'end' || t.kind === 'comma') return [''];
    this.next(true);
    if (t.kind === 'identifier') return [t.literal];
    throw new ParseError(`found '${t.literal}', expected: identifier`);
  }
}

class ParseError extends Error {}

/**
 * Parses the string form of a label selector. An empty string selects everything. Throws a
 * 400 StatusError with Kubernetes' message for bad syntax or invalid keys and values, e.g.
 * "unable to parse requirement: found ')', expected: identifier".
 */
export function parseLabelSelector(text: string): Selector {
  try {
    return new RequirementsSelector(new Parser(lex(text)).parse());
  } catch (err) {
    if (err instanceof ParseError) throw badRequest(err.message);
    throw err;
  }
}
