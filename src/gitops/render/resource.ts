// A manifest on its way through render: the working copy of the object, where it came
// from, and what kustomize needs to remember about it (earlier names for reference
// fixing, whether a generated name still wants its content-hash suffix).

import type { KubeObject, SourceRef } from '../types.js';
import type { ParsedDoc } from './parse.js';

export interface Resource {
  /** Mutable working copy, never shared with the parse cache. */
  object: KubeObject;
  source: SourceRef;
  /** The parsed document, for mapping field paths to lines (absent for generated objects). */
  doc?: ParsedDoc;
  /** True while `object` is still the document as parsed (its validation can be memoised). */
  pristine: boolean;
  /** Names the object had before kustomize renamed it, oldest first. */
  names: string[];
  /** The kustomization directory the object entered the build from ("" for plain directories). */
  origin: string;
  /** A generated ConfigMap/Secret whose name still wants kustomize's content-hash suffix. */
  hash?: boolean;
}

/** Renames a resource, remembering the old name so references to it can follow. */
export function rename(r: Resource, name: string): void {
  const old = r.object.metadata.name;
  if (old === name) return;
  if (old !== undefined) r.names.push(old);
  r.object.metadata.name = name;
  r.pristine = false;
}
