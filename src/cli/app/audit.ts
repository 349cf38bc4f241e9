// `gitplane app audit NAME`: `gitplane audit` scoped to one Application — its
// Git log joined with when each commit went live.

import type { Command } from 'commander';
import { withClient } from '../command.js';
import { addAuditFlags, auditExamples, runAudit, type AuditFlags } from '../audit/index.js';

export function registerAppAudit(app: Command): void {
  const cmd = addAuditFlags(
    app.command('audit').argument('<name>', 'Application name').description("who changed the app's manifests in Git, and when each change went live"),
  ).action((name: string, flags: AuditFlags) => withClient(flags, (ctx) => runAudit(ctx, cmd, name, flags)));
  auditExamples(cmd, 'gitplane app audit');
}
