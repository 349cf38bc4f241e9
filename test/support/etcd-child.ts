// Starts etcd through the harness, prints {"pid","dataDir","endpoint"} as one
// JSON line and waits: the harness tests kill this process to check that the
// etcd it started does not outlive it.

import { startEtcd } from './etcd.js';

const etcd = await startEtcd();
process.stdout.write(`${JSON.stringify({ pid: etcd.pid, dataDir: etcd.dataDir, endpoint: etcd.endpoint })}\n`);
if (process.argv.includes('--exit')) {
  // A normal exit without stop(): the exit hook must clean up.
  process.exit(0);
}
setInterval(() => undefined, 1 << 30);
