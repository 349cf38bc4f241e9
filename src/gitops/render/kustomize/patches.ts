// patchesStrategicMerge and patches: strategic-merge patches (from files or inline),
// targeted by their own kind/name or by a `target:` selector, and JSON 6902 patches
// (a list of operations) with a target. `$patch: delete` at the top removes the object.

import { applyJsonPatch, applyStrategicMergePatch } from '../../../api/patch/index.js';
import type { KubeObject } from '../../types.js';
import type { RenderContext } from '../context.js';
import { parseManifest, type ParsedDoc } from '../parse.js';
import { joinPath } from '../paths.js';
import type { Resource } from '../resource.js';
import { lineIn, type Kustomization } from './kustomization.js';
import { selectByPatch, selectTargets } from './target.js';

type Obj = Record<string, unknown>;

interface Patch {
  value: unknown;
  /** Where errors about this patch point. */
  file: string;
  line: number;
  target?: Obj;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The documents of a patch given as a path or inline text; errors name the right file. */
async function patchDocs(ctx: RenderContext, k: Kustomization, text: string, at: string, inline: boolean): Promise<Patch[]> {
  const line = lineIn(k, at);
  if (inline) {
    const parsed = parseManifest(text);
    for (const e of parsed.errors) ctx.error(k.file, { ...e, line: line + (e.line ?? 1) });
    return parsed.docs.map((d) => ({ value: d.value, file: k.file, line }));
  }
  const path = joinPath(k.dir, text);
  const parsed = path === undefined ? undefined : await ctx.parse(path);
  if (path === undefined || parsed === undefined) {
    ctx.error(k.file, { line, field: at, message: `patch file "${text}" not found` });
    return [];
  }
  for (const e of parsed.errors) ctx.error(path, e);
  return parsed.docs.map((d: ParsedDoc) => ({ value: d.value, file: path, line: d.line }));
}

async function collectPatches(ctx: RenderContext, k: Kustomization): Promise<Patch[]> {
  const out: Patch[] = [];
  const psm = (k.value.patchesStrategicMerge as unknown[] | undefined) ?? [];
  for (const [i, entry] of psm.entries()) {
    const at = `patchesStrategicMerge[${i}]`;
    if (typeof entry !== 'string') {
      ctx.error(k.file, { line: lineIn(k, at), field: at, message: 'must be a file path or an inline patch' });
      continue;
    }
    out.push(...(await patchDocs(ctx, k, entry, at, entry.includes('\n'))));
  }
  const patches = (k.value.patches as unknown[] | undefined) ?? [];
  for (const [i, entry] of patches.entries()) {
    const at = `patches[${i}]`;
    if (!isObj(entry) || (typeof entry.path !== 'string') === (typeof entry.patch !== 'string')) {
      ctx.error(k.file, { line: lineIn(k, at), field: at, message: 'must have exactly one of path or patch' });
      continue;
    }
    if (entry.options !== undefined) {
      ctx.error(k.file, { line: lineIn(k, `${at}.options`), field: `${at}.options`, message: 'unsupported kustomize field "options" in patches' });
      continue;
    }
    if (entry.target !== undefined && !isObj(entry.target)) {
      ctx.error(k.file, { line: lineIn(k, `${at}.target`), field: `${at}.target`, message: 'must be a mapping' });
      continue;
    }
    const docs = await patchDocs(ctx, k, (entry.path ?? entry.patch) as string, typeof entry.path === 'string' ? `${at}.path` : `${at}.patch`, typeof entry.patch === 'string');
    for (const d of docs) out.push(entry.target ? { ...d, target: entry.target as Obj } : d);
  }
  return out;
}

function describe(r: Resource): string {
  const m = r.object.metadata;
  return `${r.object.kind} ${m.namespace ? `${m.namespace}/` : ''}${m.name}`;
}

/** Applies `k`'s patches to `resources`; returns the resources left (deleted ones removed). */
export async function applyPatches(ctx: RenderContext, k: Kustomization, resources: Resource[]): Promise<Resource[]> {
  let current = resources;
  for (const patch of await collectPatches(ctx, k)) {
    const fail = (message: string) => ctx.error(patch.file, { line: patch.line, message });
    const jsonPatch = Array.isArray(patch.value);
    if (!jsonPatch && !isObj(patch.value)) {
      fail('patch is not a mapping or a list of JSON patch operations');
      continue;
    }
    if (jsonPatch && !patch.target) {
      fail('a JSON 6902 patch (a list of operations) needs a target');
      continue;
    }
    if (!jsonPatch && !patch.target) {
      const v = patch.value as Obj;
      if (typeof v.kind !== 'string' || typeof (v.metadata as Obj | undefined)?.name !== 'string') {
        fail('a strategic-merge patch without a target needs kind and metadata.name');
        continue;
      }
    }
    let targets: Resource[];
    try {
      targets = patch.target ? selectTargets(current, patch.target) : selectByPatch(current, patch.value as Obj);
    } catch (err) {
      fail(`bad patch target: ${(err as Error).message}`);
      continue;
    }
    if (!patch.target && targets.length !== 1) {
      const v = patch.value as Obj;
      const name = `${String(v.kind)} ${String((v.metadata as Obj | undefined)?.name)}`;
      fail(targets.length === 0 ? `patch target ${name} not found among the resources` : `patch target ${name} is ambiguous: ${targets.map(describe).join(', ')}`);
      continue;
    }
    const deleted = new Set<Resource>();
    for (const r of targets) {
      try {
        let result: unknown;
        if (jsonPatch) {
          result = applyJsonPatch(r.object, patch.value);
        } else {
          const smp: Obj = { ...(patch.value as Obj), apiVersion: r.object.apiVersion, kind: r.object.kind };
          smp.metadata = { ...((smp.metadata as Obj | undefined) ?? {}), name: r.object.metadata.name };
          if (r.object.metadata.namespace !== undefined) (smp.metadata as Obj).namespace = r.object.metadata.namespace;
          else delete (smp.metadata as Obj).namespace;
          result = applyStrategicMergePatch(r.object, smp, r.object.apiVersion, r.object.kind);
        }
        if (!isObj(result) || Object.keys(result).length === 0) deleted.add(r);
        else r.object = result as KubeObject;
        r.pristine = false;
      } catch (err) {
        fail(`patch of ${describe(r)} failed: ${(err as Error).message}`);
      }
    }
    if (deleted.size > 0) current = current.filter((r) => !deleted.has(r));
  }
  return current;
}
