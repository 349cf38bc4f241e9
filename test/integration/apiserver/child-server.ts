// The whole control plane in a child process, for requests that may kill
// the process they hit (a crash must be a failing test, not a dead test
// runner). Prints one JSON line {url, adminToken, caCert, dataDir}; when stdin ends
// it closes the cluster and prints {closed, error?} — close() fails when
// the server logged internal errors.

import { startTestCluster } from '../../support/cluster.js';

const cluster = await startTestCluster();
process.stdout.write(JSON.stringify({ url: cluster.url, adminToken: cluster.adminToken, caCert: cluster.caCert, dataDir: cluster.dataDir }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  cluster.close().then(
    () => {
      process.stdout.write(JSON.stringify({ closed: true }) + '\n');
      process.exit(0);
    },
    (err: unknown) => {
      process.stdout.write(JSON.stringify({ closed: false, error: String((err as Error)?.message ?? err) }) + '\n');
      process.exit(1);
    },
  );
});
