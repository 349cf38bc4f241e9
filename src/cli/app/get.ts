// `gitplane app get NAME`: the app's summary, conditions (file:line), resources
// and last operation; -o yaml|json prints the whole object.

import type { Command } from 'commander';
import { addConnectionFlags, examples, withClient } from '../command.js';
import { formatStructured, outputOption, type OutputFormat } from '../output.js';
import { getApp, type AppFlags } from './common.js';
import { describeApplication } from './describe.js';

interface GetFlags extends AppFlags {
  output: OutputFormat;
}

export function registerGet(app: Command): void {
  const cmd = addConnectionFlags(app.command('get').argument('<name>', 'Application name').description('show an Application: source, policy, sync and health, conditions, resources, last operation'))
    .addOption(outputOption(['table', 'yaml', 'json']))
    .action((name: string, flags: GetFlags) =>
      withClient(flags, async (ctx) => {
        const application = await getApp(ctx, name);
        if (flags.output === 'yaml' || flags.output === 'json') return ctx.term.out(formatStructured(application, flags.output));
        ctx.term.out(describeApplication(application, ctx.term.style));
      }),
    );
  examples(cmd, ['gitplane app get web', 'gitplane app get web -o yaml', 'gitplane app get web -n team-a -o json']);
}
