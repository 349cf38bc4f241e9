// A small least-recently-used map bounded by total weight (bytes of text, or
// entry counts for trees), used to keep Git objects read by the source layer.
// Objects are immutable (keyed by oid), so entries never need invalidating.

export class WeightedLRU<V> {
  private readonly map = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(
    readonly maxWeight: number,
    private readonly weigh: (value: V) => number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get weight(): number {
    return this.total;
  }

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.weight;
      this.map.delete(key);
    }
    const weight = Math.max(1, this.weigh(value));
    this.map.set(key, { value, weight });
    this.total += weight;
    for (const [k, v] of this.map) {
      if (this.total <= this.maxWeight || this.map.size <= 1) break;
      this.map.delete(k);
      this.total -= v.weight;
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
