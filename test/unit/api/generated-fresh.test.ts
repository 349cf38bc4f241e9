import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUT_DIR, generateTypes } from '../../../scripts/gen-types.js';

describe('src/api/generated', () => {
  it('is what `npm run gen` produces from schemas/ (run it after editing a schema)', async () => {
    const expected = await generateTypes();
    const onDisk = readdirSync(OUT_DIR).filter((f) => f.endsWith('.ts')).sort();
    expect(onDisk, 'files in src/api/generated/').toEqual([...expected.keys()].sort());
    for (const [file, contents] of expected) {
      expect(readFileSync(join(OUT_DIR, file), 'utf8'), `src/api/generated/${file} is stale: run npm run gen`).toBe(contents);
    }
  });

  it('exports every generated type exactly once from index.ts', async () => {
    const generated = await generateTypes();
    const declared = [...generated.entries()]
      .filter(([file]) => file !== 'index.ts')
      .flatMap(([, text]) => [...text.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]));
    expect(new Set(declared).size).toBe(declared.length);
    const index = generated.get('index.ts')!;
    const exported = [...index.matchAll(/^ {2}(\w+),$/gm)].map((m) => m[1]);
    expect(exported.sort()).toEqual([...declared].sort());
  });
});

describe('the generator', () => {
  async function generateWith(edit: (files: Map<string, Record<string, any>>) => void): Promise<Map<string, string>> {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { SCHEMAS_DIR } = await import('../../../scripts/gen-types.js');
    const dir = mkdtempSync(join(tmpdir(), 'gitplane-schemas-'));
    try {
      const files = new Map(
        readdirSync(SCHEMAS_DIR)
          .filter((f) => f.endsWith('.schema.json'))
          .map((f) => [f, JSON.parse(readFileSync(join(SCHEMAS_DIR, f), 'utf8')) as Record<string, any>]),
      );
      edit(files);
      for (const [f, schema] of files) writeFileSync(join(dir, f), JSON.stringify(schema));
      return await generateTypes(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('rejects a $ref with sibling keywords (it would emit ObjectMeta1)', async () => {
    await expect(
      generateWith((files) => {
        files.get('pod.schema.json')!.properties.metadata.description = 'Standard metadata';
      }),
    ).rejects.toThrow(/pod.schema.json#\/properties\/metadata: "\$ref" must not have sibling keywords/);
  });

  it('rejects duplicate titles and untitled definitions', async () => {
    await expect(
      generateWith((files) => {
        files.get('node.schema.json')!.definitions.Taint.title = 'Toleration';
      }),
    ).rejects.toThrow(/needs "title": "Taint"[\s\S]*title "Toleration" is already used in node.schema.json/);
  });
});
