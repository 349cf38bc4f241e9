// Entry point of the `gitplane` command: parses the verb and runs it.

import { Command, CommanderError } from 'commander';
import { registerUp } from './up.js';
import { registerStore } from './store.js';
import { registerServer } from './server.js';
import { registerComponents, registerNode } from './components.js';
import { registerApp } from '../cli/app/index.js';
import { registerAudit } from '../cli/audit/index.js';
import { registerKube } from '../cli/kube/index.js';
import { registerGitOps } from './gitops.js';
import { registerToken } from './token.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('gitplane')
    .description('A Kubernetes-compatible control plane whose desired state lives in Git')
    .version('0.1.0')
    .exitOverride();
  registerUp(program);
  registerStore(program);
  registerServer(program);
  registerComponents(program);
  registerNode(program);
  registerApp(program);
  registerAudit(program);
  registerKube(program);
  registerGitOps(program);
  registerToken(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`gitplane: ${(err as Error).message}`);
    return 1;
  }
}
