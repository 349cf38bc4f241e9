// Backend choice for one service port, as kube-proxy's userspace proxier
// did it: round robin over the ready endpoints, optional ClientIP session
// affinity (a client keeps its backend until it has been idle for the
// timeout), and `next` candidates so a failed connect moves on.

export interface Backend {
  ip: string;
  port: number;
}

export interface BalancerOptions {
  /** ClientIP affinity timeout; undefined = no affinity. */
  affinityTimeoutMs?: number;
  now?: () => number;
}

export const backendKey = (b: Backend): string => `${b.ip}:${b.port}`;

export class Balancer {
  private backends: Backend[] = [];
  private next = 0;
  private affinityTimeoutMs: number | undefined;
  private readonly affinity = new Map<string, { backend: string; lastUsed: number }>();
  private readonly now: () => number;

  constructor(opts: BalancerOptions = {}) {
    this.affinityTimeoutMs = opts.affinityTimeoutMs;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.backends.length;
  }

  list(): Backend[] {
    return [...this.backends];
  }

  /** Replace the backends; keeps the rotation position and the sticky clients whose backend is still there. */
  update(backends: Backend[], affinityTimeoutMs: number | undefined): void {
    const same = backends.length === this.backends.length && backends.every((b, i) => backendKey(b) === backendKey(this.backends[i]));
    if (!same) {
      this.backends = backends.map((b) => ({ ...b }));
      if (this.next >= this.backends.length) this.next = 0;
      const live = new Set(this.backends.map(backendKey));
      for (const [client, entry] of this.affinity) if (!live.has(entry.backend)) this.affinity.delete(client);
    }
    if (affinityTimeoutMs !== this.affinityTimeoutMs) {
      this.affinityTimeoutMs = affinityTimeoutMs;
      if (affinityTimeoutMs === undefined) this.affinity.clear();
    }
  }

  /**
   * The backends to try for one connection, best first: the sticky one (if any and still
   * live), then the round robin order. Every backend appears once.
   */
  candidates(clientIp: string | undefined): Backend[] {
    const n = this.backends.length;
    if (n === 0) return [];
    const order: Backend[] = [];
    const seen = new Set<string>();
    if (this.affinityTimeoutMs !== undefined && clientIp) {
      const entry = this.affinity.get(clientIp);
      if (entry && this.now() - entry.lastUsed <= this.affinityTimeoutMs) {
        const b = this.backends.find((x) => backendKey(x) === entry.backend);
        if (b) {
          order.push(b);
          seen.add(entry.backend);
        }
      } else if (entry) this.affinity.delete(clientIp);
    }
    const start = this.next;
    this.next = (this.next + 1) % n;
    for (let i = 0; i < n; i++) {
      const b = this.backends[(start + i) % n];
      if (!seen.has(backendKey(b))) order.push(b);
    }
    return order;
  }

  /** The connection to `backend` worked: remember it for the client when affinity is on. */
  used(clientIp: string | undefined, backend: Backend): void {
    if (this.affinityTimeoutMs === undefined || !clientIp) return;
    this.affinity.set(clientIp, { backend: backendKey(backend), lastUsed: this.now() });
    if (this.affinity.size > 10_000) this.expire();
  }

  private expire(): void {
    const now = this.now();
    for (const [client, entry] of this.affinity) if (now - entry.lastUsed > (this.affinityTimeoutMs ?? 0)) this.affinity.delete(client);
  }
}
