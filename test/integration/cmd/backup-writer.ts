// The busy store for store-backup-live.test.ts:
//
//   node --import tsx test/integration/cmd/backup-writer.ts <dir>
//
// Opens the embedded store in <dir> with a tiny snapshot threshold (so WAL
// segments rotate and snapshots replace them all the time) and puts
// /k/<000000 + i> one after another, printing "ack <i + 1>" once each put is
// acknowledged, until SIGTERM (then it closes the store) or 60 s.

import { openEmbeddedStore } from '../../../src/storage/embedded/index.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: backup-writer.ts <dir>');
  process.exit(2);
}
const store = await openEmbeddedStore({ dir, fsync: false, snapshotThresholdBytes: 16 * 1024 });
let stop = false;
process.once('SIGTERM', () => (stop = true));
const deadline = Date.now() + 60_000;
process.stdout.write('ready\n');
for (let i = 0; !stop && Date.now() < deadline; i++) {
  await store.put({ key: `/k/${String(i).padStart(6, '0')}`, value: `v${i}-${'x'.repeat(200)}` });
  process.stdout.write(`ack ${i + 1}\n`);
}
await store.close();
