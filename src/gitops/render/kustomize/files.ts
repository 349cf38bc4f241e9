// Where kustomize looks for a kustomization: the three file names it accepts, and a
// lookup of which one (if any) a directory of the snapshot holds.

import type { RenderContext } from '../context.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The repo-relative path of `dir`'s kustomization file, or undefined. */
export async function findKustomizationFile(ctx: RenderContext, dir: string): Promise<string | undefined> {
  const entries = await ctx.list(dir, false);
  for (const name of KUSTOMIZATION_FILES) {
    const path = dir === '' ? name : `${dir}/${name}`;
    if (entries.some((e) => e.path === path)) return path;
  }
  return undefined;
}
