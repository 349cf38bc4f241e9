// Diffs as text: one unified diff of YAML per changed resource (`--- live/<kind>/<ns>/<name>`,
// `+++ desired/<kind>/<ns>/<name>`, the namespace segment left out for cluster-scoped kinds),
// keys sorted so both sides line up, Secret values always redacted, ANSI colour on request.

import { stringify } from 'yaml';
import type { KubeObject, ResourceId } from '../types.js';
import type { ResourceDiff } from './diff-resource.js';
import { diffLines, hunks } from './line-diff.js';
import { normalize } from './normalize.js';
import { redactSecret, type RedactionTable } from './redact.js';

export interface PruneDiff {
  id: ResourceId;
  key: string;
  action: 'prune';
  live: KubeObject;
}

export interface FormatOptions {
  color?: boolean;
  /** Context lines around each change (default 3). */
  context?: number;
}

const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const CYAN = '\x1b[36m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

function resourcePath(id: ResourceId): string {
  return id.namespace ? `${id.kind}/${id.namespace}/${id.name}` : `${id.kind}/${id.name}`;
}

function toYaml(obj: Record<string, unknown> | undefined): string[] {
  if (obj === undefined) return [];
  const text = stringify(obj, { sortMapEntries: true, lineWidth: 0 });
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

/**
 * The text of every diff that changes something (Synced diffs are left out); "" when none
 * does. Prunes show the whole live object removed, creates the whole object added.
 */
export function formatDiff(diffs: Array<ResourceDiff | PruneDiff>, options: FormatOptions = {}): string {
  const paint = (code: string, line: string): string => (options.color ? `${code}${line}${RESET}` : line);
  const out: string[] = [];
  for (const d of diffs) {
    let before: Record<string, unknown> | undefined;
    let after: Record<string, unknown> | undefined;
    if (d.action === 'prune') {
      before = normalize(d.live);
    } else {
      if (d.status === 'Synced' && d.action !== 'create') continue;
      before = d.live;
      after = d.predicted;
    }
    if (d.id.kind === 'Secret' && d.id.group === '') {
      const table: RedactionTable = new Map();
      before = before && redactSecret(before, table);
      after = after && redactSecret(after, table);
    }
    const found = hunks(diffLines(toYaml(before), toYaml(after)), options.context ?? 3);
    if (found.length === 0) continue;
    const path = resourcePath(d.id);
    out.push(paint(BOLD, `--- live/${path}`), paint(BOLD, `+++ desired/${path}`));
    for (const hunk of found) {
      for (const line of hunk) {
        const code = line.startsWith('@@') ? CYAN : line.startsWith('-') ? RED : line.startsWith('+') ? GREEN : '';
        out.push(code ? paint(code, line) : line);
      }
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
