// `gitplane app history NAME`: the app's deployments, oldest first — when each
// went live, how long until healthy, the commit (author, first line of the
// message) and what it created, configured and pruned.

import type { Command } from 'commander';
import type { RevisionHistory } from '../../api/generated/index.js';
import { addConnectionFlags, examples, withClient } from '../command.js';
import { firstLine, formatStructured, outputOption, renderTable, truncate, type OutputFormat } from '../output.js';
import { formatDuration, formatTimestamp } from '../time.js';
import { getApp, type AppFlags } from './common.js';

export function registerHistory(app: Command): void {
  const cmd = addConnectionFlags(app.command('history').argument('<name>', 'Application name').description("list an Application's deployments (the IDs `app rollback --to` takes)"))
    .addOption(outputOption())
    .action((name: string, flags: AppFlags & { output: OutputFormat }) =>
      withClient(flags, async (ctx) => {
        const application = await getApp(ctx, name);
        const history = application.status?.history ?? [];
        if (flags.output === 'yaml' || flags.output === 'json') return ctx.term.out(formatStructured(history, flags.output));
        if (history.length === 0) return ctx.term.err(`${name} has not been deployed yet.`);
        ctx.term.out(historyTable(history, flags.output === 'wide'));
      }),
    );
  examples(cmd, ['gitplane app history web', 'gitplane app history web -o wide', 'gitplane app rollback web --to 3']);
}

/** "12s", or "-" while not healthy yet. */
export function healthyAfter(h: RevisionHistory): string {
  if (!h.healthyAt || !h.deployedAt) return '-';
  return formatDuration(Date.parse(h.healthyAt) - Date.parse(h.deployedAt));
}

export function historyTable(history: RevisionHistory[], wide = false): string {
  return renderTable(
    ['ID', 'DEPLOYED', 'HEALTHY-AFTER', 'REVISION', 'AUTHOR', 'MESSAGE', 'CREATED/CONFIGURED/PRUNED', ...(wide ? ['COMMITTER'] : [])],
    history.map((h) => [
      h.id,
      formatTimestamp(h.deployedAt),
      healthyAfter(h),
      wide ? h.revision : h.revision.slice(0, 7),
      wide ? h.author : (h.author ?? '').replace(/\s*<[^>]*>$/, ''),
      wide ? firstLine(h.message) : truncate(firstLine(h.message), 60),
      `${h.resources?.created ?? 0}/${h.resources?.configured ?? 0}/${h.resources?.pruned ?? 0}`,
      ...(wide ? [h.committer] : []),
    ]),
  );
}
