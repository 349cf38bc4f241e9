// IPv4 arithmetic for the node's address ranges (pod CIDR, loopback base,
// LoadBalancer range): parse "a.b.c.d/n" and walk its host addresses.

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`bad IPv4 address "${ip}"`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [Math.floor(n / 2 ** 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIPv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}

export class Cidr {
  /** The network address as an integer. */
  readonly base: number;
  readonly prefix: number;
  readonly size: number;

  constructor(readonly cidr: string) {
    const [ip, bits, extra] = cidr.split('/');
    const prefix = Number(bits);
    if (extra !== undefined || !Number.isInteger(prefix) || prefix < 1 || prefix > 30) throw new Error(`bad IPv4 CIDR "${cidr}": want a.b.c.d/1..30`);
    this.prefix = prefix;
    this.size = 2 ** (32 - prefix);
    const n = ipToInt(ip);
    this.base = n - (n % this.size);
  }

  /** Any address of the range, network and broadcast included. */
  contains(ip: string): boolean {
    if (!isIPv4(ip)) return false;
    const n = ipToInt(ip);
    return n >= this.base && n < this.base + this.size;
  }

  /** base + offset as a dotted quad. */
  at(offset: number): string {
    if (offset < 0 || offset >= this.size) throw new Error(`offset ${offset} outside ${this.cidr}`);
    return intToIp(this.base + offset);
  }

  offsetOf(ip: string): number {
    return ipToInt(ip) - this.base;
  }

  /** The first host address (.1 of a /24): the bridge gateway. */
  get gateway(): string {
    return this.at(1);
  }
}

/**
 * How many pods a node pod CIDR can address with the node's IPAM (ipam.ts, as the bridge
 * and loopback plugins configure it): every address but the network, the broadcast, the
 * gateway (.1) and — in ranges of /24 or wider — any address ending in .0 or .255.
 */
export function podAddressCount(cidr: string | Cidr): number {
  const c = typeof cidr === 'string' ? new Cidr(cidr) : cidr;
  if (c.size < 256) return Math.max(0, c.size - 3);
  return c.size - 2 * (c.size / 256) - 1;
}

/**
 * Node number `index`'s pod CIDR inside the cluster's pod range (as the node IPAM
 * controller hands out node-cidr-mask-size blocks): the narrowest block, /24 or wider,
 * that can address `pods` pods, and node i takes the i-th block of that size. A node
 * accepting up to 253 pods gets <range>.i.0/24; one accepting 1,000 a /22. Nodes of one
 * cluster must agree on the block size (their --max-pods must call for the same one), or
 * their blocks overlap (the bridge plugin refuses a pod CIDR holding another link's range).
 */
export function nodePodCidr(clusterRange: string, index: number, pods: number): string {
  const range = new Cidr(clusterRange);
  if (!Number.isInteger(index) || index < 0) throw new Error(`node index must be a whole number ≥ 0, not ${index}`);
  if (!Number.isInteger(pods) || pods < 1) throw new Error(`max pods must be a whole number ≥ 1, not ${pods}`);
  let prefix = Math.max(24, range.prefix);
  while (prefix > range.prefix && podAddressCount(`${range.at(0)}/${prefix}`) < pods) prefix--;
  const size = 2 ** (32 - prefix);
  if (podAddressCount(`${range.at(0)}/${prefix}`) < pods) {
    throw new Error(`a node in ${range.cidr} can address at most ${podAddressCount(`${range.at(0)}/${prefix}`)} pods, not ${pods}`);
  }
  if ((index + 1) * size > range.size) {
    throw new Error(`${range.cidr} holds ${range.size / size} node pod CIDRs of /${prefix} (for ${pods} pods each): no room for node index ${index}`);
  }
  return `${intToIp(range.base + index * size)}/${prefix}`;
}

