// Data shared between the extension points of one scheduling cycle
// (framework.CycleState): a PreFilter computes something once per pod and its
// Filter reads it for every node. Keys are plugin names (or names derived
// from them) so plugins do not collide.

export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter does not run this cycle. */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score does not run this cycle. */
  readonly skipScorePlugins = new Set<string>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  /** Forget everything (the scheduler reuses one CycleState per cycle). */
  reset(): void {
    this.data.clear();
    this.skipFilterPlugins.clear();
    this.skipScorePlugins.clear();
  }
}
