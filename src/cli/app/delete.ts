// `gitplane app delete NAME`: delete an Application. By default its resources go
// with it (the controller's resources finalizer); --no-cascade removes the
// finalizer first so they stay; --wait blocks until the app is gone.

import type { Command } from 'commander';
import { RESOURCES_FINALIZER } from '../../gitops/controller/index.js';
import { addConnectionFlags, examples, withClient } from '../command.js';
import { EXIT, fail, startProgress } from '../output.js';
import { formatDuration } from '../time.js';
import { appsClient, getApp, timeoutOption, type AppFlags } from './common.js';
import { waitForDeletion } from './wait.js';

interface DeleteFlags extends AppFlags {
  cascade: boolean;
  wait?: boolean;
  timeout: number;
}

export function registerDelete(app: Command): void {
  const cmd = addConnectionFlags(app.command('delete').alias('rm').argument('<name>', 'Application name').description('delete an Application and (by default) the resources it deployed'))
    .option('--no-cascade', 'keep the resources the app deployed (only the Application is deleted)')
    .option('--wait', 'wait until the Application (and, cascading, its resources) are gone')
    .addOption(timeoutOption('how long --wait waits'))
    .action((name: string, flags: DeleteFlags) =>
      withClient(flags, async (ctx) => {
        const apps = appsClient(ctx);
        const current = await getApp(ctx, name);
        const finalizers = current.metadata.finalizers ?? [];
        if (!flags.cascade && finalizers.includes(RESOURCES_FINALIZER)) {
          await apps.patch(name, { metadata: { finalizers: finalizers.filter((f) => f !== RESOURCES_FINALIZER), resourceVersion: current.metadata.resourceVersion } }, 'merge');
        }
        await apps.delete(name);
        const cascading = flags.cascade && finalizers.includes(RESOURCES_FINALIZER);
        ctx.term.out(`application.gitplane.io/${name} deleted${cascading ? ' (its resources are being deleted)' : flags.cascade ? '' : ' (its resources were left in place)'}`);
        if (!flags.wait) return;
        const progress = startProgress(`${name}: waiting for deletion`, { tty: ctx.term.errTty });
        const result = await waitForDeletion(apps, name, { timeoutMs: flags.timeout, onProgress: (t) => progress.update(t) });
        progress.stop();
        if (!result.ok) fail(ctx.term, `timed out after ${formatDuration(result.waitedMs)} waiting for ${name} to be deleted (see gitplane app get ${name})`, EXIT.TIMEOUT);
        ctx.term.out(`application.gitplane.io/${name} gone`);
      }),
    );
  examples(cmd, ['gitplane app delete web', 'gitplane app delete web --wait', '# Stop managing the app but leave what it deployed running:', 'gitplane app delete web --no-cascade']);
}
