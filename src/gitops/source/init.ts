// Make a new local repository from a directory of manifests, with one first
// commit — how `gitplane up` gives a new user a repository to commit to (from
// example-repo/) without needing the git CLI.

import fs from 'node:fs';
import path from 'node:path';
import * as git from 'isomorphic-git';

export interface InitFromOptions {
  /** Directory whose files (recursively, skipping .git) become the first commit. */
  template: string;
  /** The new repository's work tree; must not exist yet or be empty. */
  dir: string;
  author: { name: string; email: string };
  message: string;
  branch?: string;
}

/** Creates the repository and returns the first commit's SHA. */
export async function initRepositoryFrom(opts: InitFromOptions): Promise<string> {
  if (fs.existsSync(opts.dir) && fs.readdirSync(opts.dir).length > 0) throw new Error(`${opts.dir} exists and is not empty`);
  fs.mkdirSync(opts.dir, { recursive: true });
  fs.cpSync(opts.template, opts.dir, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  const cache = {};
  await git.init({ fs, dir: opts.dir, defaultBranch: opts.branch ?? 'main' });
  const files = await git.listFiles({ fs, dir: opts.dir, cache }).catch(() => [] as string[]);
  const all = walk(opts.dir).filter((f) => !files.includes(f));
  for (const filepath of all) await git.add({ fs, dir: opts.dir, filepath, cache });
  return git.commit({ fs, dir: opts.dir, author: opts.author, message: opts.message, cache });
}

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(root, child));
    else if (entry.isFile()) out.push(child);
  }
  return out.sort();
}
