import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface Manifest {
  file: string;
  index: number;
  object: Record<string, unknown>;
}

/**
 * Every document of every YAML file under fixtures/. Parsed as YAML 1.1, as kubectl does
 * (sigs.k8s.io/yaml), so `defaultMode: 0644` is octal.
 */
export function loadManifests(): Manifest[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(FIXTURES + file, 'utf8'), { version: '1.1' }).map((doc, index) => {
        if (doc.errors.length > 0) throw new Error(`${file}#${index}: ${doc.errors[0].message}`);
        return { file, index, object: doc.toJS() as Record<string, unknown> };
      }),
    );
}

/** The one fixture document with this kind and name. */
export function manifest(kind: string, name: string): Record<string, unknown> {
  const found = loadManifests().filter(
    (m) => m.object.kind === kind && ((m.object.metadata as { name?: string; generateName?: string }).name ?? (m.object.metadata as { generateName?: string }).generateName) === name,
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name} fixture, found ${found.length}`);
  return structuredClone(found[0].object);
}

/** Reads a nested value by path segments. */
export function at(value: unknown, ...path: Array<string | number>): unknown {
  let node = value;
  for (const part of path) node = (node as Record<string | number, unknown> | undefined)?.[part];
  return node;
}
