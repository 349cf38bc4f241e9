// Label selectors on the client side, over the one parser in src/api/labels:
// the string form the API takes in `?labelSelector=` ("app=web,tier in
// (a,b),!canary"), the LabelSelector of specs (matchLabels/matchExpressions),
// and matching, which listers use to filter the cache.

import {
  everything,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  type LabelSelector,
  type Selector as ApiSelector,
} from '../api/labels.js';

export type Labels = Readonly<Record<string, string>> | undefined;

/** A selector: all of its requirements must hold; an empty one matches everything. */
export class Selector {
  private constructor(private readonly inner: ApiSelector) {}

  static everything(): Selector {
    return new Selector(everything());
  }

  /** Parse the `labelSelector` query syntax; throws a 400 StatusError naming the problem. */
  static parse(text: string): Selector {
    return new Selector(parseLabelSelector(text));
  }

  /** From a spec's LabelSelector. Undefined selects everything (as a list filter does). */
  static fromLabelSelector(selector: LabelSelector | undefined): Selector {
    return selector === undefined ? Selector.everything() : new Selector(selectorFromLabelSelector(selector));
  }

  static fromSet(labels: Readonly<Record<string, string>>): Selector {
    return new Selector(selectorFromSet(labels));
  }

  get empty(): boolean {
    return this.inner.empty();
  }

  matches(labels: Labels): boolean {
    return this.inner.matches(labels);
  }

  toString(): string {
    return this.inner.toString();
  }
}

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
