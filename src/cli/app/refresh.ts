// `gitplane app refresh NAME`: ask the controller to reconcile now (re-read Git,
// compare with the cluster) by stamping the gitplane.io/refresh annotation.

import type { Command } from 'commander';
import { REFRESH_ANNOTATION } from '../../gitops/controller/index.js';
import { addConnectionFlags, examples, withClient } from '../command.js';
import { appsClient, getApp, type AppFlags } from './common.js';

export function registerRefresh(app: Command): void {
  const cmd = addConnectionFlags(app.command('refresh').argument('<name>', 'Application name').description('reconcile an Application now: re-read Git and compare with the cluster'))
    .action((name: string, flags: AppFlags) =>
      withClient(flags, async (ctx) => {
        await getApp(ctx, name);
        await appsClient(ctx).patch(name, { metadata: { annotations: { [REFRESH_ANNOTATION]: new Date().toISOString() } } }, 'merge');
        ctx.term.out(`application.gitplane.io/${name} refresh requested`);
      }),
    );
  examples(cmd, ['gitplane app refresh web', 'gitplane app refresh web && gitplane app get web']);
}
