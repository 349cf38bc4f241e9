// Addresses for simulated pods and nodes. Nothing listens on them; they only
// have to be well-formed and unique among the live objects of one runtime.

/**
 * Hands out IPv4 addresses under a prefix of whole octets ("10.244." leaves two octets,
 * about 64 K addresses; "10." leaves three), never .0 or .255 in the last octet.
 * Released addresses are reused, oldest first.
 */
export class IpAllocator {
  private readonly prefix: string;
  private readonly freeOctets: number;
  private readonly size: number;
  private next = 0;
  private readonly released: string[] = [];
  private releasedHead = 0;
  private readonly inUse = new Set<string>();

  constructor(prefix: string) {
    const trimmed = prefix.replace(/\.+$/, '');
    const octets = trimmed ? trimmed.split('.') : [];
    if (octets.length < 1 || octets.length > 3 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) {
      throw new Error(`invalid IP prefix "${prefix}": want one to three octets, e.g. "10.244."`);
    }
    this.prefix = `${octets.join('.')}.`;
    this.freeOctets = 4 - octets.length;
    this.size = 256 ** this.freeOctets;
  }

  /** A free address; throws when the range is exhausted. */
  allocate(): string {
    while (this.releasedHead < this.released.length) {
      const ip = this.released[this.releasedHead++];
      if (this.releasedHead > 1024 && this.releasedHead * 2 > this.released.length) {
        this.released.splice(0, this.releasedHead);
        this.releasedHead = 0;
      }
      if (!this.inUse.has(ip)) {
        this.inUse.add(ip);
        return ip;
      }
    }
    while (this.next < this.size) {
      const n = this.next++;
      const last = n & 255;
      if (last === 0 || last === 255) continue;
      const ip = this.format(n);
      if (this.inUse.has(ip)) continue;
      this.inUse.add(ip);
      return ip;
    }
    throw new Error(`no free addresses left under ${this.prefix}*`);
  }

  /** Mark an address taken (an object that already has one); false when it is not in range. */
  claim(ip: string): boolean {
    if (!ip.startsWith(this.prefix)) return false;
    this.inUse.add(ip);
    return true;
  }

  release(ip: string | undefined): void {
    if (ip && this.inUse.delete(ip)) this.released.push(ip);
  }

  get used(): number {
    return this.inUse.size;
  }

  private format(n: number): string {
    const parts: number[] = [];
    for (let i = this.freeOctets - 1; i >= 0; i--) parts.push(Math.floor(n / 256 ** i) & 255);
    return this.prefix + parts.join('.');
  }
}
