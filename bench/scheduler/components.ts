// The scheduler and/or controller manager for bench/scheduler, in their own
// process as in a real deployment, talking HTTPS to the API server.
// argv: <kubeconfig> <scheduler|all>. Runs until SIGTERM.

import { createClient, loadKubeconfig } from '../../src/client/index.js';
import { startControllerManager } from '../../src/controller/manager.js';
import { newScheduler } from '../../src/scheduler/index.js';

const [kubeconfig, what] = process.argv.slice(2);
const client = createClient(loadKubeconfig(kubeconfig).transport);
const manager = startControllerManager({
  client,
  controllers: what === 'all' ? undefined : [],
  extra: [(ctx) => newScheduler(ctx)],
  leaderElection: false,
  log: { info: () => undefined, error: (m, e) => console.error(m, e ?? '') },
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void manager.stop().then(() => {
    client.close();
    process.exit(0);
  });
});
