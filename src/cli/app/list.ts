// `gitplane app list`: every Application in the namespace (or all with -A), as
// NAME SYNC HEALTH REVISION REPO PATH TARGET AGE; -o wide adds destination and
// policy, -o yaml|json prints the ApplicationList.

import type { Command } from 'commander';
import type { Application } from '../../api/generated/index.js';
import { addConnectionFlags, examples, withClient } from '../command.js';
import { formatStructured, outputOption, renderTable, type OutputFormat } from '../output.js';
import { ageOf } from '../time.js';
import { describePolicy } from './spec.js';
import type { AppFlags } from './common.js';

interface ListFlags extends AppFlags {
  output: OutputFormat;
  allNamespaces?: boolean;
  selector?: string;
}

export function registerList(app: Command): void {
  const cmd = addConnectionFlags(app.command('list').alias('ls').description('list Applications with their sync and health status'))
    .option('-A, --all-namespaces', 'list Applications in every namespace')
    .option('-l, --selector <selector>', 'label selector, e.g. team=web')
    .addOption(outputOption())
    .action((flags: ListFlags) =>
      withClient(flags, async ({ conn, term }) => {
        const rc = conn.client.applications;
        const list = await (flags.allNamespaces ? rc : rc.namespace(conn.namespace)).list(flags.selector ? { labelSelector: flags.selector } : {});
        if (flags.output === 'yaml' || flags.output === 'json') return term.out(formatStructured(list, flags.output));
        if (list.items.length === 0) return term.err(`No applications found in ${flags.allNamespaces ? 'any namespace' : `namespace ${conn.namespace}`}.`);
        term.out(appTable(list.items, flags.output === 'wide', !!flags.allNamespaces, term.style));
      }),
    );
  examples(cmd, ['gitplane app list', 'gitplane app list -o wide', 'gitplane app list -A -o json']);
}

export function appTable(apps: Application[], wide: boolean, withNamespace: boolean, style: { status(s: string | undefined): string }, now = Date.now()): string {
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'SYNC', 'HEALTH', 'REVISION', 'REPO', 'PATH', 'TARGET', 'AGE', ...(wide ? ['DESTINATION', 'POLICY', 'CONDITIONS'] : [])];
  const rows = [...apps]
    .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    .map((a) => [
      ...(withNamespace ? [a.metadata.namespace] : []),
      a.metadata.name,
      style.status(a.status?.sync?.status ?? 'Unknown'),
      style.status(a.status?.health?.status ?? 'Unknown'),
      a.status?.sync?.revision?.slice(0, 7) ?? '',
      a.spec.source.repoURL,
      a.spec.source.path ?? '.',
      a.spec.source.targetRevision ?? 'HEAD',
      ageOf(a.metadata.creationTimestamp, now),
      ...(wide ? [a.spec.destination.namespace ?? '', describePolicy(a), (a.status?.conditions ?? []).map((c) => c.type).join(',')] : []),
    ]);
  return renderTable(headers, rows);
}
