// Manifests from -f: files, directories (-R to recurse) and stdin ("-"), as
// YAML (many documents), JSON or Lists, each object remembering its file,
// document number and line — so an error says where the object came from,
// and a field error points at the field's line.

import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../../client/index.js';
import { lineOfField } from '../../gitops/render/field-line.js';
import { parseManifest } from '../../gitops/render/parse.js';
import { KubeError } from './errors.js';

/** One object of a manifest. */
export interface ManifestObject {
  object: KubeObject;
  /** The file ("-" is shown as STDIN). */
  source: string;
  /** 1-based position among the file's objects (List items count one each). */
  index: number;
  /** 1-based line the object starts on. */
  line: number;
  /** The line of a field path ("spec.replicas"), or the object's line when not found. */
  lineOf(field: string): number;
}

export interface ManifestProblem {
  source: string;
  line: number;
  message: string;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The files -f names: files as given; directories' manifest files (sorted; subdirectories with -R). */
export function manifestFiles(paths: string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive && !e.name.startsWith('.')) walk(p);
      } else if (EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const p of paths) {
    if (p === '-') {
      out.push('-');
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new KubeError(`the path "${p}" does not exist`);
    }
    if (stat.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

/** Split one manifest text into objects; problems (syntax, not an object, no kind) are returned, not thrown. */
export function splitManifest(text: string, source: string): { objects: ManifestObject[]; problems: ManifestProblem[] } {
  const parsed = parseManifest(text);
  const problems: ManifestProblem[] = parsed.errors.map((e) => ({ source, line: e.line ?? 1, message: e.message }));
  const objects: ManifestObject[] = [];
  parsed.docs.forEach((doc, i) => {
    const value = doc.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ source, line: doc.line, message: 'the document is not an object (expected apiVersion, kind and metadata)' });
      return;
    }
    const obj = structuredClone(value) as KubeObject;
    const missing = [...(typeof obj.apiVersion === 'string' && obj.apiVersion ? [] : ['apiVersion not set']), ...(typeof obj.kind === 'string' && obj.kind ? [] : ['kind not set'])];
    if (missing.length > 0) {
      problems.push({ source, line: doc.line, message: `error validating data: [${missing.join(', ')}]` });
      return;
    }
    objects.push({ object: obj, source, index: i + 1, line: doc.line, lineOf: (field) => lineOfField(doc.node, doc.lineCounter, field, doc.line) });
  });
  return { objects, problems };
}

/** Read and split every file -f names; stdin is read once for "-". */
export async function readManifests(paths: string[], recursive: boolean, stdin: () => Promise<string> = readStdin): Promise<{ objects: ManifestObject[]; problems: ManifestProblem[] }> {
  const objects: ManifestObject[] = [];
  const problems: ManifestProblem[] = [];
  for (const file of manifestFiles(paths, recursive)) {
    const text = file === '-' ? await stdin() : fs.readFileSync(file, 'utf8');
    const split = splitManifest(text, file === '-' ? 'STDIN' : file);
    objects.push(...split.objects);
    problems.push(...split.problems);
  }
  return { objects, problems };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `"deploy/web.yaml" (document 2, line 14)` — where an object came from, for error messages. */
export function describeSource(m: Pick<ManifestObject, 'source' | 'index' | 'line'>): string {
  return `"${m.source}" (document ${m.index}, line ${m.line})`;
}
