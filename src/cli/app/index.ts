// `gitplane app …`: Applications from the command line — list, get, create,
// delete, set, refresh, sync, diff, history, rollback and audit. Usage errors in
// any of them exit 2 (the exit callback is inherited by each verb).

import type { Command } from 'commander';
import { examples, usageExit } from '../command.js';
import { registerAppAudit } from './audit.js';
import { registerCreate } from './create.js';
import { registerDelete } from './delete.js';
import { registerDiff } from './diff.js';
import { registerGet } from './get.js';
import { registerHistory } from './history.js';
import { registerList } from './list.js';
import { registerRefresh } from './refresh.js';
import { registerRollback } from './rollback.js';
import { registerSet } from './set.js';
import { registerSync } from './sync.js';

export function registerApp(program: Command): void {
  const app = program
    .command('app')
    .description('manage GitOps Applications: what to deploy from Git, sync, diff, history, rollback, audit')
    .exitOverride(usageExit);
  registerList(app);
  registerGet(app);
  registerCreate(app);
  registerDelete(app);
  registerSet(app);
  registerRefresh(app);
  registerSync(app);
  registerDiff(app);
  registerHistory(app);
  registerRollback(app);
  registerAppAudit(app);
  examples(app, [
    'gitplane app create web --repo . --path deploy --dest-namespace web --auto-sync',
    'gitplane app list',
    'gitplane app diff web --revision feature/x',
    'gitplane app sync web --prune',
    'gitplane app history web',
    'gitplane app rollback web',
    'gitplane app audit web --since 7d',
  ]);
}
