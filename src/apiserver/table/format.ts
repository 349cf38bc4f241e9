/**
 * Cell formatting shared by the printers: labels, label selectors, container lists, booleans
 * (apimachinery's labels.FormatLabels, metav1.FormatLabelSelector and printers.go helpers).
 */
import type { LabelSelector } from '../../api/generated/index.js';

/** `k1=v1,k2=v2` sorted by key, or `<none>` (labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/**
 * The selector string of a LabelSelector (metav1.LabelSelectorAsSelector(s).String()):
 * requirements sorted by key, `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; "" for a
 * missing or empty selector.
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string {
  if (!selector) return '';
  const requirements: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) requirements.push({ key, text: `${key}=${value}` });
  for (const expr of selector.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])].sort();
    switch (expr.operator) {
      case 'In':
        requirements.push({ key: expr.key, text: `${expr.key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        requirements.push({ key: expr.key, text: `${expr.key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        requirements.push({ key: expr.key, text: expr.key });
        break;
      case 'DoesNotExist':
        requirements.push({ key: expr.key, text: `!${expr.key}` });
        break;
      default:
        return '<invalid>';
    }
  }
  return requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** labelSelectorString, or `<none>` when it is empty (metav1.FormatLabelSelector). */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const text = labelSelectorString(selector);
  return text === '' ? '<none>' : text;
}

/** Comma-joined container names and images (printers.go layoutContainerCells). */
export function layoutContainerCells(containers: readonly { name?: string; image?: string }[] | undefined | null): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `True` / `False`. */
export function printBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** net.JoinHostPort: brackets around IPv6 addresses. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
