// Who is asking, as a Git author "Name <email>": `git config user.name` and
// `user.email` run in the current directory when git is installed, else $USER
// (the controller fills in a placeholder address for a bare name).

import { execFileSync } from 'node:child_process';

type Runner = (args: string[]) => string | undefined;

const runGit: Runner = (args) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || undefined;
  } catch {
    return undefined;
  }
};

export function defaultAuthor(env: NodeJS.ProcessEnv = process.env, git: Runner = runGit): string {
  const name = git(['config', 'user.name']);
  const email = git(['config', 'user.email']);
  if (name && email) return `${name} <${email}>`;
  if (name) return name;
  return env.USER || env.USERNAME || 'gitplane';
}
