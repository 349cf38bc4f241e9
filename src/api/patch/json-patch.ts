/**
 * JSON Patch, RFC 6902 (application/json-patch+json), over JSON Pointers (RFC 6901).
 *
 * A patch applies as a whole or not at all: the operations run against a copy, and the first
 * failure throws. A malformed patch document (not a list, an unknown op, a missing member) is
 * a 400 BadRequest; a well-formed operation that cannot apply to this object (a missing path,
 * a failed `test`) is a 422, as kube-apiserver answers.
 */
import { StatusError, badRequest } from '../status.js';
import { deepClone, deepEqual, hasKey, isJsonObject, jsonType, preview, setKey, type JsonObject, type JsonValue } from './json.js';

export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: unknown };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Splits a JSON Pointer into its reference tokens, undoing `~1` (/) and `~0` (~) in that order. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer ${JSON.stringify(pointer)} must be empty or start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new Error(`JSON pointer ${JSON.stringify(pointer)} has an invalid escape sequence`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** Builds a JSON Pointer from reference tokens, escaping `~` and `/`. */
export function formatJsonPointer(tokens: ReadonlyArray<string | number>): string {
  return tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Thrown inside this module; turned into a StatusError with the op's index and name. */
class PatchFailure extends Error {}

function unprocessable(message: string): StatusError {
  return new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`);
}

/**
 * Applies RFC 6902 operations to `target` and returns the result; `target` and `ops` are not
 * modified. Throws a StatusError (400 for a malformed patch, 422 for one that does not apply).
 */
export function applyJsonPatch(target: unknown, ops: unknown): JsonValue {
  const operations = validateOperations(ops);
  let doc: JsonValue = deepClone((target === undefined ? null : target) as JsonValue);
  operations.forEach((op, index) => {
    try {
      doc = applyOperation(doc, op);
    } catch (err) {
      if (err instanceof PatchFailure) throw unprocessable(`json patch operation ${index} (${op.op} ${op.path}) failed: ${err.message}`);
      throw err;
    }
  });
  return doc;
}

function validateOperations(ops: unknown): JsonPatchOperation[] {
  if (!Array.isArray(ops)) throw badRequest(`json patch must be a JSON array of operations, got ${jsonType(ops)}`);
  return ops.map((raw, index) => {
    const where = `json patch operation ${index}`;
    if (!isJsonObject(raw)) throw badRequest(`${where} must be an object, got ${jsonType(raw)}`);
    const op = raw.op;
    if (typeof op !== 'string') throw badRequest(`${where} has no "op"`);
    if (!OPS.has(op)) throw badRequest(`${where}: unsupported op ${JSON.stringify(op)} (expected add, remove, replace, move, copy or test)`);
    if (typeof raw.path !== 'string') throw badRequest(`${where} (${op}) has no "path" string`);
    checkPointer(raw.path, `${where} (${op}) path`);
    if ((op === 'move' || op === 'copy') && typeof raw.from !== 'string') throw badRequest(`${where} (${op} ${raw.path}) has no "from" string`);
    if (op === 'move' || op === 'copy') checkPointer(raw.from as string, `${where} (${op}) from`);
    if ((op === 'add' || op === 'replace' || op === 'test') && !hasKey(raw, 'value')) throw badRequest(`${where} (${op} ${raw.path}) has no "value"`);
    return raw as unknown as JsonPatchOperation;
  });
}

function checkPointer(pointer: string, what: string): void {
  try {
    parseJsonPointer(pointer);
  } catch (err) {
    throw badRequest(`${what}: ${(err as Error).message}`);
  }
}

function applyOperation(doc: JsonValue, op: JsonPatchOperation): JsonValue {
  switch (op.op) {
    case 'add':
      return add(doc, parseJsonPointer(op.path), deepClone(op.value as JsonValue));
    case 'remove':
      return remove(doc, parseJsonPointer(op.path)).doc;
    case 'replace':
      return replace(doc, parseJsonPointer(op.path), deepClone(op.value as JsonValue));
    case 'move': {
      const from = parseJsonPointer(op.from);
      const to = parseJsonPointer(op.path);
      if (to.length > from.length && from.every((t, i) => t === to[i])) {
        throw new PatchFailure(`cannot move ${op.from} into its own child ${op.path}`);
      }
      if (from.length === to.length && from.every((t, i) => t === to[i])) {
        get(doc, from);
        return doc;
      }
      const removed = remove(doc, from);
      return add(removed.doc, to, removed.value);
    }
    case 'copy': {
      const value = get(doc, parseJsonPointer(op.from));
      return add(doc, parseJsonPointer(op.path), deepClone(value));
    }
    case 'test': {
      const actual = get(doc, parseJsonPointer(op.path));
      if (!deepEqual(actual, op.value)) {
        throw new PatchFailure(`test failed: value ${preview(actual)} is not ${preview(op.value)}`);
      }
      return doc;
    }
  }
}

function describe(tokens: string[], depth: number): string {
  return formatJsonPointer(tokens.slice(0, depth)) || '(root)';
}

/** The container holding the last token: walks every token but the last. */
function parentOf(doc: JsonValue, tokens: string[]): JsonValue {
  let node = doc;
  for (let i = 0; i < tokens.length - 1; i++) node = child(node, tokens, i);
  return node;
}

function child(node: JsonValue, tokens: string[], i: number): JsonValue {
  const token = tokens[i];
  if (Array.isArray(node)) {
    const index = arrayIndex(token, node.length - 1, tokens, i);
    return node[index];
  }
  if (isJsonObject(node)) {
    if (!hasKey(node, token)) throw new PatchFailure(`path ${describe(tokens, i + 1)} does not exist`);
    return node[token];
  }
  throw new PatchFailure(`path ${describe(tokens, i + 1)} does not exist: ${describe(tokens, i)} is ${jsonType(node)}, not an object or array`);
}

/** A valid array index no greater than `max`: digits, no leading zeros, never "-". */
function arrayIndex(token: string, max: number, tokens: string[], i: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw new PatchFailure(`path ${describe(tokens, i + 1)}: ${JSON.stringify(token)} is not a valid array index`);
  }
  const index = Number(token);
  if (index > max) throw new PatchFailure(`path ${describe(tokens, i + 1)}: index ${index} is out of bounds (array length ${max + 1 > 0 ? max + 1 : 0})`);
  return index;
}

function get(doc: JsonValue, tokens: string[]): JsonValue {
  let node = doc;
  for (let i = 0; i < tokens.length; i++) node = child(node, tokens, i);
  return node;
}

function add(doc: JsonValue, tokens: string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    if (last === '-') {
      parent.push(value);
    } else {
      const index = arrayIndex(last, parent.length, tokens, tokens.length - 1);
      parent.splice(index, 0, value);
    }
  } else if (isJsonObject(parent)) {
    setKey(parent, last, value);
  } else {
    throw new PatchFailure(`cannot add ${describe(tokens, tokens.length)}: ${describe(tokens, tokens.length - 1)} is ${jsonType(parent)}, not an object or array`);
  }
  return doc;
}

function remove(doc: JsonValue, tokens: string[]): { doc: JsonValue; value: JsonValue } {
  if (tokens.length === 0) throw new PatchFailure('cannot remove the whole document');
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length - 1, tokens, tokens.length - 1);
    const [value] = parent.splice(index, 1);
    return { doc, value };
  }
  if (isJsonObject(parent)) {
    if (!hasKey(parent, last)) throw new PatchFailure(`path ${describe(tokens, tokens.length)} does not exist`);
    const value = parent[last];
    delete (parent as JsonObject)[last];
    return { doc, value };
  }
  throw new PatchFailure(`path ${describe(tokens, tokens.length)} does not exist: ${describe(tokens, tokens.length - 1)} is ${jsonType(parent)}, not an object or array`);
}

function replace(doc: JsonValue, tokens: string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    parent[arrayIndex(last, parent.length - 1, tokens, tokens.length - 1)] = value;
  } else if (isJsonObject(parent)) {
    if (!hasKey(parent, last)) throw new PatchFailure(`path ${describe(tokens, tokens.length)} does not exist`);
    setKey(parent, last, value);
  } else {
    throw new PatchFailure(`path ${describe(tokens, tokens.length)} does not exist: ${describe(tokens, tokens.length - 1)} is ${jsonType(parent)}, not an object or array`);
  }
  return doc;
}
