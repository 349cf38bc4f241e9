#!/usr/bin/env node
// The gitplane command. The TypeScript sources are compiled to dist/ by
// `npm install` (the package's prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cmd/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('gitplane: dist/ is missing; run `npm install` or `npm run build` in the gitplane checkout first');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
