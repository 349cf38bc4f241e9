// Range helpers shared by both backends, with etcd's conventions.

/** rangeEnd meaning "every key from `key` on". */
export const RANGE_TO_END = '\0';

/** The exclusive end of the prefix range: the prefix with its last code unit incremented. */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  // An empty prefix, or one made only of U+FFFF: every key.
  return RANGE_TO_END;
}

/** Does `key` fall in the request's range [start, end)? */
export function inRange(key: string, start: string, end: string | undefined): boolean {
  if (end === undefined || end === '') return key === start;
  if (end === RANGE_TO_END) return key >= start;
  return key >= start && key < end;
}
