// Root-mode pod networking, the shape of the CNI bridge plugin: one Linux
// bridge per node holding the pod CIDR's gateway (.1), and per pod a network
// namespace `<prefix>-<uid first 8>` joined to the bridge by a veth pair
// (host end on the bridge, the other end renamed eth0 in the pod), lo up and
// a default route via the gateway. Addresses come from a host-local IPAM
// file in stateDir, so they survive agent restarts. Host↔pod and pod↔pod
// traffic stays on the bridge: no ip_forward, no NAT, no iptables.

import { createHash } from 'node:crypto';
import path from 'node:path';
import type { PodNetwork, PodSandbox } from '../runtime/types.js';
import { deleteLink, deleteNetns, ip, isExists, linkAddresses, linkExists, netnsList } from './ip-command.js';
import { Ipam } from './ipam.js';
import type { NetworkPlugin } from './types.js';

export interface BridgeNetworkOptions {
  /** e.g. 10.244.0.0/24; the gateway is its first address. */
  podCidr: string;
  /** Bridge device name (default gp0). */
  bridge?: string;
  stateDir: string;
  /** Prefix for netns and veth names (default "gp"). */
  prefix?: string;
}

export interface BridgeNetwork extends NetworkPlugin {
  readonly bridge: string;
  readonly gateway: string;
  /** Create the bridge (with the gateway address) now rather than with the first pod. */
  ready(): Promise<void>;
  /** The netns name a pod gets. */
  netnsName(uid: string): string;
  /** The host end of a pod's veth pair. */
  hostVethName(uid: string): string;
  /** Stop using the plugin; pods keep their networks (an agent restart adopts them). */
  close(): Promise<void>;
  /** Tear down every pod this plugin's IPAM knows, then delete the bridge. */
  destroy(): Promise<void>;
}

const POD_IF = 'eth0';

export function createBridgeNetwork(opts: BridgeNetworkOptions): BridgeNetwork {
  const bridge = opts.bridge ?? 'gp0';
  const prefix = opts.prefix ?? 'gp';
  if (bridge.length > 15) throw new Error(`bridge name "${bridge}" is longer than 15 characters`);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9-]{0,9}$/.test(prefix)) throw new Error(`netns/veth prefix "${prefix}" must be 1-10 letters, digits or dashes`);
  const ipam = new Ipam({ file: path.join(opts.stateDir, `ipam-${bridge}.json`), range: opts.podCidr, reservedOffsets: [1] });
  const gateway = ipam.cidr.gateway;
  const prefixLen = ipam.cidr.prefix;
  let bridgeReady: Promise<void> | undefined;
  const perPod = new Map<string, Promise<unknown>>();
  let closed = false;

  const netnsName = (uid: string): string => `${prefix}-${uid.replace(/[^a-zA-Z0-9]/g, '').slice(0, 8)}`;
  const hostVethName = (uid: string): string => {
    const room = 15 - prefix.length - 1;
    return `${prefix}v${createHash('sha1').update(uid).digest('hex').slice(0, room)}`;
  };
  // The pod end's name on the host, before it moves into the netns and becomes eth0.
  const peerTempName = (uid: string): string => {
    const room = 15 - prefix.length - 1;
    return `${prefix}p${createHash('sha1').update(uid).digest('hex').slice(0, room)}`;
  };

  async function ensureBridge(): Promise<void> {
    if (!(await linkExists(bridge))) {
      await ip(['link', 'add', bridge, 'type', 'bridge']).catch((err: unknown) => {
        if (!isExists(err)) throw err;
      });
    }
    const have = await linkAddresses(bridge);
    if (!have.includes(gateway)) {
      await ip(['addr', 'add', `${gateway}/${prefixLen}`, 'dev', bridge]).catch((err: unknown) => {
        if (!isExists(err)) throw err;
      });
    }
    await ip(['link', 'set', bridge, 'up']);
  }

  /** One operation at a time per pod (setUp and tearDown may race when a pod is deleted while starting). */
  function serialize<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = perPod.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    perPod.set(uid, settled);
    void settled.then(() => {
      if (perPod.get(uid) === settled) perPod.delete(uid);
    });
    return next;
  }

  function ready(): Promise<void> {
    bridgeReady ??= ensureBridge().catch((err: unknown) => {
      bridgeReady = undefined;
      throw err;
    });
    return bridgeReady;
  }

  async function setUpPod(sandbox: PodSandbox): Promise<PodNetwork> {
    if (closed) throw new Error('bridge network plugin is closed');
    await ready();
    const uid = sandbox.uid || sandbox.id;
    const ns = netnsName(uid);
    const hostVeth = hostVethName(uid);
    const podIp = ipam.allocate(uid);
    try {
      if (!(await netnsList()).includes(ns)) {
        await ip(['netns', 'add', ns]).catch((err: unknown) => {
          if (!isExists(err)) throw err;
        });
      }
      if (!(await linkExists(POD_IF, ns))) {
        // A half-made pair from an interrupted setUp: start the pair over.
        await deleteLink(hostVeth);
        await deleteLink(peerTempName(uid));
        await ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', peerTempName(uid)]);
        await ip(['link', 'set', peerTempName(uid), 'netns', ns]);
        await ip(['-n', ns, 'link', 'set', peerTempName(uid), 'name', POD_IF]);
      }
      await ip(['link', 'set', hostVeth, 'master', bridge]);
      await ip(['link', 'set', hostVeth, 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      const have = await linkAddresses(POD_IF, ns);
      for (const other of have) if (other !== podIp) await ip(['-n', ns, 'addr', 'del', `${other}/${prefixLen}`, 'dev', POD_IF]).catch(() => undefined);
      if (!have.includes(podIp)) await ip(['-n', ns, 'addr', 'add', `${podIp}/${prefixLen}`, 'dev', POD_IF]);
      await ip(['-n', ns, 'link', 'set', POD_IF, 'up']);
      await ip(['-n', ns, 'route', 'replace', 'default', 'via', gateway, 'dev', POD_IF]);
    } catch (err) {
      throw new Error(`pod network for ${sandbox.namespace}/${sandbox.name} (${ns}): ${(err as Error).message}`, { cause: err });
    }
    return { ip: podIp, netnsPath: `/run/netns/${ns}` };
  }

  async function tearDownPod(uid: string): Promise<void> {
    const ns = netnsName(uid);
    // Deleting the netns destroys eth0, and with it the host end of the pair.
    await deleteNetns(ns);
    await deleteLink(hostVethName(uid));
    await deleteLink(peerTempName(uid));
    ipam.release(uid);
  }

  return {
    bridge,
    gateway,
    ready,
    netnsName,
    hostVethName,
    setUp: (sandbox) => serialize(sandbox.uid || sandbox.id, () => setUpPod(sandbox)),
    tearDown: (sandbox) => serialize(sandbox.uid || sandbox.id, () => tearDownPod(sandbox.uid || sandbox.id)),
    async close() {
      closed = true;
      await Promise.all([...perPod.values()]);
    },
    async destroy() {
      closed = true;
      await Promise.all([...perPod.values()]);
      for (const [uid] of ipam.entries()) await tearDownPod(uid);
      await deleteLink(bridge);
    },
  };
}
