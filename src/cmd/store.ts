// `gitplane store status|compact|snapshot`: operate on an embedded store's
// data directory while no server holds it.

import path from 'node:path';
import type { Command } from 'commander';
import { openEmbeddedStore } from '../storage/index.js';

export function registerStore(program: Command): void {
  const store = program.command('store').description('inspect and maintain the embedded store');
  const dataDir = (cmd: Command): Command => cmd.option('--data-dir <dir>', 'the cluster data directory', '.gitplane');

  dataDir(store.command('status').description('print revision, keys and what recovery repaired')).action(
    async (opts: { dataDir: string }) => {
      const s = await openEmbeddedStore({ dir: path.resolve(opts.dataDir, 'store') });
      try {
        const st = await s.status();
        const stats = s.stats();
        console.log(`revision:          ${st.header.revision}`);
        console.log(`compact revision:  ${st.compactRevision}`);
        console.log(`keys:              ${stats.keys}`);
        console.log(`live bytes:        ${stats.liveBytes}`);
        console.log(`leases:            ${stats.leases}`);
        console.log(`recovery:          ${s.recovery.durationMs.toFixed(0)} ms, ${s.recovery.walRecords} WAL frames` +
          (s.recovery.snapshotRevision ? `, snapshot at revision ${s.recovery.snapshotRevision}` : ''));
        if (s.recovery.message) console.log(`repaired:          ${s.recovery.message}`);
      } finally {
        await s.close();
      }
    },
  );

  dataDir(store.command('compact').description('drop history older than the newest N revisions'))
    .option('--keep <n>', 'revisions of history to keep', '1000')
    .action(async (opts: { dataDir: string; keep: string }) => {
      const s = await openEmbeddedStore({ dir: path.resolve(opts.dataDir, 'store') });
      try {
        const rev = (await s.status()).header.revision - Number(opts.keep);
        if (rev <= (await s.status()).compactRevision) {
          console.log('nothing to compact');
          return;
        }
        await s.compact(rev);
        console.log(`compacted to revision ${rev}`);
      } finally {
        await s.close();
      }
    });

  dataDir(store.command('snapshot').description('write a snapshot and truncate the WAL')).action(
    async (opts: { dataDir: string }) => {
      const s = await openEmbeddedStore({ dir: path.resolve(opts.dataDir, 'store') });
      try {
        console.log(`wrote ${await s.snapshot()}`);
      } finally {
        await s.close();
      }
    },
  );
}
