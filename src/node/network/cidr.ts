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
