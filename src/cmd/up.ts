// `gitplane up`: run a local cluster from a data directory. Today that is
// the store and the API server — the scheduler, controllers, node agents and
// GitOps controller are wired in here as they land.

import type { Command } from 'commander';
import { startControlPlane } from './control-plane.js';
import { addServerFlags, controlPlaneOptions, untilSignal, type ServerFlags } from './server-flags.js';

export function registerUp(program: Command): void {
  addServerFlags(program.command('up').description('run a local gitplane cluster (currently: the store and the API server)')).action(
    async (flags: ServerFlags) => {
      const cp = await startControlPlane(controlPlaneOptions(flags));
      const status = await cp.store.status();
      console.log(`store:       ${status.version}, revision ${status.header.revision}`);
      console.log(`API server:  ${cp.url}`);
      console.log(`kubeconfig:  ${cp.kubeconfig}   (export KUBECONFIG=${cp.kubeconfig})`);
      console.log(
        'not yet running: scheduler, controller manager, node agents and GitOps sync (each arrives with its own issue). Press Ctrl-C to stop.',
      );
      await untilSignal();
      await cp.close();
      console.log('stopped');
    },
  );
}
