// Root-mode pod networking, the shape of the CNI bridge plugin: one Linux
// bridge per node holding the pod CIDR's gateway (.1), and per pod a network
// namespace `<prefix>-<uid first 8>` joined to the bridge by a veth pair
// (host end on the bridge, the other end renamed eth0 in the pod), lo up and
// a default route via the gateway. Addresses come from a host-local IPAM
// file in stateDir, so they survive agent restarts. Host↔pod and pod↔pod
// traffic stays on the bridge: no ip_forward, no NAT, no iptables.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PodNetwork, PodSandbox } from '../runtime/types.js';
import { allAddresses, deleteLink, deleteNetns, ip, ipBatch, isExists, linkAddresses, linkExists, netnsList } from './ip-command.js';
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
/** Where `ip netns add` mounts the namespaces. */
const NETNS_DIR = '/run/netns';
/** Where a process claims a bridge: `<bridge>.owner` holds its pid and start time. */
const OWNER_DIR = '/run/gitplane';

/** This process's claims: bridge → plugin instances holding it. */
const claims = new Map<string, number>();

/** "<pid> <start time>" (field 22 of /proc/<pid>/stat), or undefined when there is no such process. */
function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return undefined;
  }
}

/**
 * Claim `bridge` for this process, or throw when another live process holds it: two node
 * stacks on one bridge (two nodes with the same --index on a host) would re-address it, tear
 * it down under each other's pods and fight over the DNS address. A claim left by a process
 * that is gone is taken over.
 */
function claimBridge(bridge: string): void {
  const count = claims.get(bridge) ?? 0;
  if (count > 0) {
    claims.set(bridge, count + 1);
    return;
  }
  const me = processIdentity(process.pid) ?? `${process.pid} ?`;
  const file = `${OWNER_DIR}/${bridge}.owner`;
  mkdirSync(OWNER_DIR, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${me}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let holder = '';
    try {
      holder = readFileSync(file, 'utf8').trim();
    } catch {
      // removed meanwhile
    }
    const pid = Number(holder.split(' ')[0]);
    if (holder && holder !== me && Number.isInteger(pid) && pid > 0 && processIdentity(pid) === holder) {
      throw new Error(`bridge ${bridge} is in use by another gitplane node (pid ${pid}): nodes on one host need different --index values`);
    }
    rmSync(file, { force: true });
  }
  claims.set(bridge, 1);
}

function releaseBridge(bridge: string): void {
  const count = claims.get(bridge) ?? 0;
  if (count > 1) {
    claims.set(bridge, count - 1);
    return;
  }
  if (count === 0) return;
  claims.delete(bridge);
  rmSync(`${OWNER_DIR}/${bridge}.owner`, { force: true });
  try {
    rmdirSync(OWNER_DIR);
  } catch {
    // other claims left, or gone
  }
}

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
  let claimed = false;
  const claim = (): void => {
    if (claimed) return;
    claimBridge(bridge);
    claimed = true;
  };
  const release = (): void => {
    if (!claimed) return;
    claimed = false;
    releaseBridge(bridge);
  };

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
    claim();
    // Another link with a range inside the pod CIDR (another node's bridge with a smaller block,
    // a stale bridge) has the more specific route and would take those pods' traffic: refuse.
    // A wider range elsewhere (a host network around it) is fine: the bridge's route wins.
    const addresses = await allAddresses();
    for (const a of addresses) {
      if (a.link === bridge || a.prefixLen < ipam.cidr.prefix || !ipam.cidr.contains(a.address)) continue;
      throw new Error(`pod CIDR ${ipam.cidr.cidr} overlaps ${a.address}/${a.prefixLen} on ${a.link}: nodes on one host need disjoint pod CIDRs (the same --max-pods sizing)`);
    }
    if (!(await linkExists(bridge))) {
      await ip(['link', 'add', bridge, 'type', 'bridge']).catch((err: unknown) => {
        if (!isExists(err)) throw err;
      });
    }
    // The gateway with the pod CIDR's prefix length (a restart with another --max-pods may resize the CIDR),
    // and no other address: the bridge's connected route must cover exactly the pod CIDR.
    const have = addresses.filter((a) => a.link === bridge);
    for (const a of have) {
      if (a.address !== gateway || a.prefixLen !== prefixLen) await ip(['addr', 'del', `${a.address}/${a.prefixLen}`, 'dev', bridge]).catch(() => undefined);
    }
    if (!have.some((a) => a.address === gateway && a.prefixLen === prefixLen)) {
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
    const netnsPath = `${NETNS_DIR}/${ns}`;
    if (!existsSync(netnsPath)) {
      // A new pod: everything in two `ip -batch` runs (host side, then inside the netns) rather
      // than a dozen `ip` processes. Anything in the way (a half-made pair from an interrupted
      // setUp) fails the batch, and the step-by-step path below repairs it.
      try {
        await ipBatch([
          ['netns', 'add', ns],
          ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', POD_IF, 'netns', ns],
          ['link', 'set', 'dev', hostVeth, 'master', bridge, 'up'],
        ]);
        await ipBatch(
          [
            ['link', 'set', 'dev', 'lo', 'up'],
            ['addr', 'add', `${podIp}/${prefixLen}`, 'dev', POD_IF],
            ['link', 'set', 'dev', POD_IF, 'up'],
            ['route', 'replace', 'default', 'via', gateway, 'dev', POD_IF],
          ],
          { netns: ns },
        );
        return { ip: podIp, netnsPath };
      } catch {
        // Fall through, after making sure the bridge is still there (something may have deleted it).
        await ensureBridge();
      }
    }
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
    return { ip: podIp, netnsPath };
  }

  async function tearDownPod(uid: string): Promise<void> {
    const ns = netnsName(uid);
    // Deleting the netns destroys eth0, and with it the host end of the pair (which the kernel
    // may still be cleaning up: an `ip link del` racing it finds nothing, which is fine).
    await deleteNetns(ns);
    for (const link of [hostVethName(uid), peerTempName(uid)]) if (existsSync(`/sys/class/net/${link}`)) await deleteLink(link);
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
      release();
    },
    async destroy() {
      closed = true;
      await Promise.all([...perPod.values()]);
      for (const [uid] of ipam.entries()) await tearDownPod(uid);
      // The bridge goes only when this process may have it (never from under another node).
      claim();
      try {
        if ((claims.get(bridge) ?? 0) <= 1) await deleteLink(bridge);
      } finally {
        release();
      }
    },
  };
}
