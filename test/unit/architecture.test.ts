// The direction of imports from ../shared/DESIGN.md, checked on every file:
// a component may import only the components its row allows.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

/** component → components it may import (util is a leaf every component may use). */
const ALLOWED: Record<string, string[]> = {
  api: ['util'],
  util: [],
  storage: ['api', 'util'],
  apiserver: ['api', 'storage', 'util'],
  client: ['api', 'util'],
  controller: ['api', 'client', 'util'],
  scheduler: ['api', 'client', 'util'],
  node: ['api', 'client', 'util'],
  gitops: ['api', 'client', 'util'],
  cli: ['api', 'client', 'gitops', 'util'],
  cmd: ['*'],
};

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.ts$/.test(e.name) ? [p] : [];
  });
}

function componentOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0];
}

describe('architecture', () => {
  const all = files(SRC);

  it('finds the source tree', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it('imports flow one way, as DESIGN.md draws them', () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = componentOf(file);
      const allowed = ALLOWED[from];
      if (!allowed) {
        violations.push(`${path.relative(SRC, file)}: folder ${from} is not in DESIGN.md's table`);
        continue;
      }
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        if (!target.startsWith(SRC + path.sep)) continue;
        const to = componentOf(target);
        if (to === from || allowed.includes('*') || allowed.includes(to)) continue;
        violations.push(`${path.relative(SRC, file)} imports ${to} (${m[1]})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
