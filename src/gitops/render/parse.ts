// Parses one manifest file's text (YAML, multi-document, or JSON through the same parser)
// into documents that remember their line and AST node, so errors can point at a field.
// Lists (kind List or *List with items) are flattened into their items, each at its own line.

import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { LocalError } from './errors.js';

export interface ParsedDoc {
  /** The document's value (deep-frozen): usually a mapping; patches may be sequences. */
  readonly value: unknown;
  /** 1-based line the document (or List item) starts on. */
  readonly line: number;
  /** The AST node of `value`, for mapping field paths to lines. */
  readonly node: Node | null;
  readonly lineCounter: LineCounter;
  /** Schema errors of the pristine object, memoised by the renderer (never exposed). */
  validation?: LocalError[];
}

export interface ParsedFile {
  readonly docs: ParsedDoc[];
  readonly errors: LocalError[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `kind: List`, or any `*List` kind carrying an `items` array (kubectl's rule). */
export function isListKind(value: Record<string, unknown>): boolean {
  const kind = value.kind;
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items);
}

function lineAt(lc: LineCounter, node: Node | null | undefined, fallback: number): number {
  const offset = node?.range?.[0];
  return offset === undefined ? fallback : lc.linePos(offset).line;
}

export function parseManifest(text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs: ParsedDoc[] = [];
  const errors: LocalError[] = [];
  const documents = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: true });
  // Errors found at the end of input (an unclosed bracket or quote) point at the last line with content.
  const lastLine = Math.max(1, text.replace(/\s+$/, '').split('\n').length);
  for (const doc of documents) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) errors.push({ line: Math.min(e.linePos?.[0]?.line ?? 1, lastLine), message: `YAML syntax error: ${firstLine(e.message)}` });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      errors.push({ line: lineAt(lineCounter, doc.contents, 1), message: `YAML error: ${(err as Error).message}` });
      continue;
    }
    if (value === null || value === undefined) continue; // empty document
    const node = doc.contents as Node | null;
    const line = lineAt(lineCounter, node, 1);
    if (isPlainObject(value) && isListKind(value) && isMap(node)) {
      const itemsNode = node.get('items', true);
      const itemNodes = isSeq(itemsNode) ? (itemsNode.items as Node[]) : [];
      (value.items as unknown[]).forEach((item, i) => {
        const itemNode = itemNodes[i] ?? null;
        docs.push({ value: deepFreeze(item), line: lineAt(lineCounter, itemNode, line), node: itemNode, lineCounter });
      });
      continue;
    }
    docs.push({ value: deepFreeze(value), line, node, lineCounter });
  }
  return { docs, errors };
}
