// kubectl describe's PrefixWriter: lines at an indentation level (two spaces
// each), cells separated by tabs and aligned by the tabwriter when done; plus
// the small formatters every describer uses (labels, annotations, times).

import { formatAge } from '../../time.js';
import { tabwrite } from '../tabwriter.js';

export class PrefixWriter {
  private readonly lines: string[] = [];

  /** One line at `level`: the cells joined by tabs (aligned later). */
  line(level: number, ...cells: Array<string | number | boolean>): void {
    this.lines.push('  '.repeat(level) + cells.map(String).join('\t'));
  }

  /** Lines already shaped (tabs and all), each at `level`. */
  raw(level: number, text: string): void {
    for (const l of text.split('\n')) this.lines.push('  '.repeat(level) + l);
  }

  toString(): string {
    return tabwrite(`${this.lines.join('\n')}\n`).replace(/\n+$/, '');
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 1123 with a numeric zone, as kubectl prints times: "Mon, 02 Jan 2026 15:04:05 +0000" (UTC). */
export function formatTime(timestamp: string | undefined): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return '<unset>';
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** kubectl's age of a timestamp ("5m"), "<unknown>" when unset. */
export function since(timestamp: string | undefined, now: number): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  return Number.isNaN(t) ? '<unknown>' : formatAge(now - t);
}

/** Lines `Title:\tk=v` then `\tk2=v2` (sorted), or `Title:\t<none>`. */
export function writeLabels(w: PrefixWriter, level: number, title: string, labels: Record<string, string> | undefined): void {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return w.line(level, `${title}:`, '<none>');
  keys.forEach((k, i) => w.line(level, i === 0 ? `${title}:` : '', `${k}=${labels![k]}`));
}

const SKIPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration', 'gitplane.io/last-applied-configuration']);
const MAX_ANNOTATION = 140;

/** Lines `Title:\tk: v` (sorted; last-applied annotations skipped, long values cut), or `Title:\t<none>`. */
export function writeAnnotations(w: PrefixWriter, level: number, title: string, annotations: Record<string, string> | undefined): void {
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !SKIPPED_ANNOTATIONS.has(k))
    .sort();
  if (keys.length === 0) return w.line(level, `${title}:`, '<none>');
  keys.forEach((k, i) => {
    let v = annotations![k]!.replace(/\s*\n\s*/g, ' ').trim();
    if (v.length > MAX_ANNOTATION) v = `${v.slice(0, MAX_ANNOTATION - 3)}...`;
    w.line(level, i === 0 ? `${title}:` : '', `${k}: ${v}`);
  });
}

/** A list under a title, one item per line, or `Title:\t<none>`. */
export function writeList(w: PrefixWriter, level: number, title: string, items: string[]): void {
  if (items.length === 0) return w.line(level, `${title}:`, '<none>');
  items.forEach((item, i) => w.line(level, i === 0 ? `${title}:` : '', item));
}

/** "Capitalised Words" from a camelCase field name, with the usual acronyms: apiVersion → API Version. */
export function smartLabel(field: string): string {
  const ACRONYMS: Record<string, string> = { api: 'API', uid: 'UID', url: 'URL', ip: 'IP', ips: 'IPs', id: 'ID', http: 'HTTP', https: 'HTTPS', tcp: 'TCP', udp: 'UDP', cpu: 'CPU', dns: 'DNS', json: 'JSON', os: 'OS', tls: 'TLS', cidr: 'CIDR', cidrs: 'CIDRs' };
  // Acronyms (with a plural s) stay whole: podIPs → pod IPs, httpGet → http Get, HTTPGet → HTTP Get.
  const words = field.match(/[A-Z]{2,}s?(?![a-z])|[A-Z]?[a-z0-9]+|[A-Z]+/g) ?? [field];
  return words.map((w) => ACRONYMS[w.toLowerCase()] ?? w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}
