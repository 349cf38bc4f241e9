/**
 * Generates TypeScript types for every JSON Schema in schemas/ into src/api/generated/.
 *
 *   npm run gen
 *
 * json-schema-to-typescript compiles one schema file at a time and declares every type that
 * file reaches through $ref, so the same type (ObjectMeta, PodSpec, ...) would be declared in
 * many output files. To export each type exactly once, every named type is owned by the schema
 * file whose JSON holds its `title`; each output file keeps only the declarations it owns and
 * imports the rest from their owners. Rules the schemas must follow (checked here):
 *
 * - every entry of `definitions` has a `title` equal to its key, and titles are unique across
 *   all files (titles become the TypeScript names);
 * - a `{ "$ref": ... }` node has no sibling keywords (json-schema-to-typescript would clone the
 *   target into a second type named `Foo1`);
 * - a file whose root has no `type` only holds `definitions` and gets no root type.
 *
 * `generateTypes()` returns the would-be file contents without writing, for the freshness test.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import ts from 'typescript';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const SCHEMAS_DIR = join(ROOT, 'schemas');
export const OUT_DIR = join(ROOT, 'src', 'api', 'generated');

const BANNER = '/* Generated from schemas/ by npm run gen. Do not edit. */';
const SCHEMA_SUFFIX = '.schema.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface SchemaFile {
  /** e.g. "pod-spec.schema.json" */
  fileName: string;
  /** e.g. "pod-spec" (the output module is `${base}.ts`) */
  base: string;
  schema: JsonObject;
  /** Titles declared anywhere in this file, i.e. the type names this file owns. */
  titles: Set<string>;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys whose values are data (not subschemas); titles inside them are not type names. */
const DATA_KEYWORDS = new Set(['default', 'const', 'enum', 'examples']);

function loadSchemaFiles(schemasDir: string): SchemaFile[] {
  const fileNames = readdirSync(schemasDir)
    .filter((f) => f.endsWith(SCHEMA_SUFFIX))
    .sort();
  const owners = new Map<string, string>();
  const problems: string[] = [];
  const files = fileNames.map((fileName): SchemaFile => {
    const schema = JSON.parse(readFileSync(join(schemasDir, fileName), 'utf8')) as JsonObject;
    const titles = new Set<string>();
    const visit = (node: JsonObject, pointer: string): void => {
      if ('$ref' in node && Object.keys(node).length > 1) {
        problems.push(`${fileName}#${pointer}: "$ref" must not have sibling keywords`);
      }
      if (isObject(node.definitions)) {
        for (const [key, def] of Object.entries(node.definitions)) {
          if (!isObject(def) || def.title !== key) {
            problems.push(`${fileName}#${pointer}/definitions/${key}: needs "title": "${key}"`);
          }
        }
      }
      if (typeof node.title === 'string') {
        const owner = owners.get(node.title);
        if (owner !== undefined) {
          problems.push(`${fileName}#${pointer}: title "${node.title}" is already used in ${owner}`);
        }
        owners.set(node.title, fileName);
        titles.add(node.title);
      }
    };
    walkSchema(schema, '', visit);
    if (typeof schema.title !== 'string') problems.push(`${fileName}: the root needs a "title"`);
    // A definitions-only root compiles to an empty `{[k: string]: unknown}` type: not exported.
    if (schema.type === undefined) titles.delete(schema.title as string);
    return { fileName, base: fileName.slice(0, -SCHEMA_SUFFIX.length), schema, titles };
  });
  if (problems.length > 0) throw new Error(`schemas/ breaks the generator's rules:\n  ${problems.join('\n  ')}`);
  return files;
}

/** Visits every subschema object once, skipping data-valued keywords (default, enum, ...). */
function walkSchema(node: JsonObject, pointer: string, visit: (node: JsonObject, pointer: string) => void): void {
  visit(node, pointer);
  for (const [key, child] of Object.entries(node)) {
    if (DATA_KEYWORDS.has(key) || key.startsWith('x-')) continue;
    if (Array.isArray(child)) {
      child.forEach((item, i) => {
        if (isObject(item)) walkSchema(item, `${pointer}/${key}/${i}`, visit);
      });
    } else if (isObject(child)) {
      walkSchema(child, `${pointer}/${key}`, visit);
    }
  }
}

/** Appends `@default` to descriptions so defaults show up in editors. Returns a copy. */
function withDefaultDocs(schema: JsonObject): JsonObject {
  const copy = structuredClone(schema);
  walkSchema(copy, '', (node) => {
    if (node.default === undefined) return;
    const tag = `@default ${JSON.stringify(node.default)}`;
    node.description = typeof node.description === 'string' ? `${node.description}\n\n${tag}` : tag;
  });
  return copy;
}

const REFERENCED_BY = /\n \*\n \* This interface was referenced by `[^`]*`'s JSON-Schema\n \* via the `definition` "[^"]*"\.|\n \* This interface was referenced by `[^`]*`'s JSON-Schema\n \* via the `definition` "[^"]*"\./g;

/** Drops json-schema-to-typescript's "referenced by" boilerplate and comments left empty. */
function cleanComments(text: string): string {
  return text.replace(REFERENCED_BY, '').replace(/\/\*\*\n \*\/\n/g, '');
}

interface Declaration {
  name: string;
  text: string;
  references: Set<string>;
}

function parseDeclarations(source: string, fileName: string): Declaration[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const declarations: Declaration[] = [];
  for (const statement of sf.statements) {
    if (
      !ts.isInterfaceDeclaration(statement) &&
      !ts.isTypeAliasDeclaration(statement) &&
      !ts.isEnumDeclaration(statement)
    ) {
      throw new Error(`${fileName}: unexpected statement in json-schema-to-typescript output: ${statement.getText(sf)}`);
    }
    const references = new Set<string>();
    const collect = (node: ts.Node): void => {
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) references.add(node.typeName.text);
      if (ts.isExpressionWithTypeArguments(node) && ts.isIdentifier(node.expression)) {
        references.add(node.expression.text);
      }
      ts.forEachChild(node, collect);
    };
    collect(statement);
    declarations.push({
      name: statement.name.text,
      text: cleanComments(statement.getFullText(sf).replace(/^\s+/, '')),
      references,
    });
  }
  return declarations;
}

/** Type names TypeScript provides; references to them need no import. */
const GLOBAL_TYPES = new Set(['Array', 'Record', 'Partial', 'Readonly', 'Date', 'Omit', 'Pick']);

function formatImport(names: string[], from: string): string {
  if (names.length === 1) return `import type { ${names[0]} } from "${from}";`;
  return `import type {\n${names.map((n) => `  ${n},`).join('\n')}\n} from "${from}";`;
}

function formatExport(names: string[], from: string): string {
  return `export type {\n${names.map((n) => `  ${n},`).join('\n')}\n} from "${from}";`;
}

/**
 * Returns the contents of every file under src/api/generated/, keyed by file name
 * ("pod.ts", "index.ts", ...), without writing anything.
 */
export async function generateTypes(schemasDir: string = SCHEMAS_DIR): Promise<Map<string, string>> {
  const files = loadSchemaFiles(schemasDir);
  const ownerOf = new Map<string, SchemaFile>();
  for (const file of files) for (const title of file.titles) ownerOf.set(title, file);

  const out = new Map<string, string>();
  const exportsByFile: Array<[SchemaFile, string[]]> = [];
  for (const file of files) {
    const compiled = await compile(withDefaultDocs(file.schema) as JSONSchema, file.schema.title as string, {
      cwd: schemasDir,
      additionalProperties: false,
      unreachableDefinitions: true,
      bannerComment: '',
      format: true,
      strictIndexSignatures: false,
      // minItems: 1 would turn Container[] into [Container, ...Container[]], which is awkward to build.
      ignoreMinAndMaxItems: true,
    });
    const declarations = parseDeclarations(compiled, `${file.base}.ts`);
    const rootName = file.schema.title as string;
    const unowned = declarations.filter((d) => !ownerOf.has(d.name) && d.name !== rootName);
    if (unowned.length > 0) {
      throw new Error(
        `${file.fileName}: json-schema-to-typescript produced types with no "title" in schemas/: ` +
          `${unowned.map((d) => d.name).join(', ')} (give the schema a title, or remove $ref siblings)`,
      );
    }
    const own = declarations.filter((d) => ownerOf.get(d.name) === file);
    const missing = [...file.titles].filter((t) => !own.some((d) => d.name === t));
    if (missing.length > 0) throw new Error(`${file.fileName}: no type was generated for ${missing.join(', ')}`);

    const local = new Set(own.map((d) => d.name));
    const imports = new Map<string, Set<string>>();
    for (const declaration of own) {
      for (const ref of declaration.references) {
        if (local.has(ref) || GLOBAL_TYPES.has(ref)) continue;
        const owner = ownerOf.get(ref);
        if (owner === undefined) throw new Error(`${file.fileName}: ${declaration.name} references unknown type ${ref}`);
        if (!imports.has(owner.base)) imports.set(owner.base, new Set());
        imports.get(owner.base)!.add(ref);
      }
    }
    const importLines = [...imports.keys()]
      .sort()
      .map((base) => formatImport([...imports.get(base)!].sort(), `./${base}.js`));
    const parts = [BANNER, ...(importLines.length > 0 ? [importLines.join('\n')] : []), own.map((d) => d.text.trimEnd()).join('\n')];
    out.set(`${file.base}.ts`, `${parts.join('\n\n')}\n`);
    exportsByFile.push([file, own.map((d) => d.name)]);
  }

  const index = exportsByFile
    .filter(([, names]) => names.length > 0)
    .map(([file, names]) => formatExport(names, `./${file.base}.js`));
  out.set('index.ts', `${BANNER}\n\n${index.join('\n')}\n`);
  return out;
}

/** Writes the generated files and removes stale ones. Returns the names written. */
export async function writeGeneratedTypes(outDir: string = OUT_DIR, schemasDir: string = SCHEMAS_DIR): Promise<string[]> {
  const generated = await generateTypes(schemasDir);
  mkdirSync(outDir, { recursive: true });
  for (const existing of readdirSync(outDir)) {
    if (existing.endsWith('.ts') && !generated.has(existing)) rmSync(join(outDir, existing));
  }
  for (const [name, contents] of generated) writeFileSync(join(outDir, name), contents);
  return [...generated.keys()];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const written = await writeGeneratedTypes();
  console.log(`npm run gen: wrote ${written.length} files to src/api/generated/`);
}
