// One node's worth of components: the container runtime, the pod network,
// the node agent, the service proxy and (on the first node) cluster DNS.
// As root, pods get their own network namespaces on a bridge; otherwise
// each pod gets a 127.x address and Services need a 127.x service CIDR.

import path from 'node:path';
import type { Client } from '../client/index.js';
import { startNodeAgent, type NetworkPlugin, type NodeAgent } from '../node/agent/index.js';
import { startClusterDns } from '../node/dns/index.js';
import { createImageStore } from '../node/images/index.js';
import { canUseBridge, createBridgeNetwork, createLoopbackNetwork, nodePodCidr } from '../node/network/index.js';
import { startServiceProxy } from '../node/proxy/index.js';
import { createProcessRuntime } from '../node/runtime/process/index.js';
import { createRuncRuntime } from '../node/runtime/runc/index.js';
import type { Pod } from '../api/generated/index.js';
import type { ContainerRuntime, PodSandbox } from '../node/runtime/types.js';

export type RuntimeName = 'process' | 'runc';

/** kubelet's default --max-pods. */
const DEFAULT_MAX_PODS = 110;
/** The cluster's pod range in bridge mode; each node takes a block of it (see nodePodCidr). */
const BRIDGE_POD_RANGE = '10.244.0.0/16';

export interface NodeStackOptions {
  client: Client;
  nodeName: string;
  /** Per-node state lives in <dataDir>/nodes/<nodeName>. */
  dataDir: string;
  runtime: RuntimeName;
  /**
   * Node index (0-based): picks the node's pod CIDR (bridge mode: the index-th block of
   * 10.244.0.0/16 big enough for maxPods — a /24 up to 253 pods); node 0 also serves DNS and the proxy.
   */
  index: number;
  /** Use namespaces and a bridge when root (default: when possible). */
  bridge?: boolean;
  /** Pods the node accepts (kubelet's --max-pods; default 110). The pod CIDR is sized to address them all. */
  maxPods?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface NodeStack {
  agent: NodeAgent;
  mode: 'bridge' | 'loopback';
  dnsAddress?: string;
  stop(opts?: { stopPods?: boolean; restartPods?: boolean }): Promise<void>;
}

/** Root and `ip` present: pods get network namespaces on a bridge. */
export async function bridgeAvailable(): Promise<boolean> {
  return canUseBridge();
}

export async function startNodeStack(opts: NodeStackOptions): Promise<NodeStack> {
  const dir = path.join(opts.dataDir, 'nodes', opts.nodeName);
  const log = opts.log ?? ((m: string, e?: unknown) => console.warn(`node ${opts.nodeName}: ${m}`, e ?? ''));
  const bridge = opts.bridge ?? (await canUseBridge());
  const maxPods = opts.maxPods ?? DEFAULT_MAX_PODS;
  // A node must be able to address every pod it accepts: with --max-pods above 253 a /24 would run
  // out of addresses and leave the rest of the pods in ContainerCreating (FailedCreatePodSandBox).
  const podCidr = bridge ? nodePodCidr(BRIDGE_POD_RANGE, opts.index, maxPods) : `127.${130 + opts.index}.0.0/16`;
  const bridgeNet = bridge
    ? createBridgeNetwork({ podCidr, stateDir: path.join(dir, 'network'), bridge: `gp${opts.index}`, prefix: `gp${opts.index}` })
    : undefined;
  const podNetwork = bridgeNet ?? createLoopbackNetwork({ stateDir: path.join(dir, 'network'), base: podCidr });
  // The network plugins work on sandboxes; the agent hands them pods.
  const sandboxOf = (pod: Pod): PodSandbox => ({
    id: pod.metadata?.uid ?? '',
    uid: pod.metadata?.uid ?? '',
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    hostname: pod.spec?.hostname ?? pod.metadata?.name ?? '',
    network: { ip: '' },
  });
  const network: NetworkPlugin = {
    setUp: (pod) => podNetwork.setUp(sandboxOf(pod)),
    tearDown: (pod) => podNetwork.tearDown(sandboxOf(pod)),
  };
  // The bridge now: a node whose bridge another live node holds (the same --index) fails here,
  // not pod by pod.
  await bridgeNet?.ready();
  let runtime: ContainerRuntime;
  if (opts.runtime === 'runc') {
    const images = createImageStore({ dataDir: opts.dataDir });
    await images.ensureBuiltin();
    runtime = createRuncRuntime({ stateDir: path.join(dir, 'runc'), images });
  } else {
    runtime = createProcessRuntime({ stateDir: path.join(dir, 'containers') });
  }
  // DNS on the first node: on the bridge gateway (reachable from pods) when bridged.
  let dns: { port: number; stop(): Promise<void> } | undefined;
  let dnsAddress: string | undefined;
  if (opts.index === 0 && bridgeNet) {
    dnsAddress = bridgeNet.gateway;
    dns = await startClusterDns({ client: opts.client, listen: { host: bridgeNet.gateway, port: 53 } }).catch((err) => {
      log('cluster DNS could not start; pods resolve with the host resolver', err);
      dnsAddress = undefined;
      return undefined;
    });
  }
  const agent = await startNodeAgent({
    client: opts.client,
    runtime,
    nodeName: opts.nodeName,
    stateDir: path.join(dir, 'agent'),
    network,
    podCidr,
    ...(opts.maxPods ? { capacity: { pods: String(opts.maxPods) } } : {}),
    dnsServiceIP: dnsAddress,
    onError: (err) => log('agent error', err),
  });
  const proxy = opts.index === 0 ? await startServiceProxy({ client: opts.client, mode: bridge ? 'bridge' : 'loopback', log }) : undefined;
  return {
    agent,
    mode: bridge ? 'bridge' : 'loopback',
    dnsAddress,
    async stop(stopOpts = {}) {
      await proxy?.stop();
      await agent.stop({ stopPods: stopOpts.stopPods ?? false, restartPods: stopOpts.restartPods ?? false });
      await dns?.stop();
      await runtime.close();
      // Stopping the pods too: take the bridge down with them; otherwise leave it for the next start.
      if (stopOpts.stopPods && bridgeNet) await bridgeNet.destroy();
      else await podNetwork.close();
    },
  };
}
