// The renderer's parse cache: parsed files by blob oid, least recently used dropped past
// a bound. A one-line change gives the file a new oid, so only that file is parsed again;
// cached documents are deep-frozen and copied on the way out.

import type { RepoSnapshot } from '../types.js';
import { parseManifest, type ParsedFile } from './parse.js';
import type { RendererStats } from './options.js';

export class ParseCache {
  readonly stats: RendererStats = { parsed: 0, cached: 0 };
  private readonly files = new Map<string, ParsedFile>();
  /** Parses under way, so concurrent requests for one blob parse it once. */
  private readonly pending = new Map<string, Promise<ParsedFile | undefined>>();

  constructor(private readonly maxFiles: number) {}

  /** The cached parse of blob `oid`, or undefined (counts a hit; no I/O, no await). */
  peek(oid: string): ParsedFile | undefined {
    const hit = this.files.get(oid);
    if (hit !== undefined) {
      this.stats.cached++;
      this.files.delete(oid);
      this.files.set(oid, hit);
    }
    return hit;
  }

  /** The parsed form of the blob `oid` (whose text `text()` reads when it is not cached). */
  async get(oid: string, text: () => Promise<string | undefined>): Promise<ParsedFile | undefined> {
    const hit = this.files.get(oid);
    if (hit !== undefined) {
      this.stats.cached++;
      // Re-insert: Map order is insertion order, so the front is the least recently used.
      this.files.delete(oid);
      this.files.set(oid, hit);
      return hit;
    }
    const inFlight = this.pending.get(oid);
    if (inFlight !== undefined) {
      this.stats.cached++;
      return inFlight;
    }
    const parsing = this.load(oid, text).finally(() => this.pending.delete(oid));
    this.pending.set(oid, parsing);
    return parsing;
  }

  private async load(oid: string, text: () => Promise<string | undefined>): Promise<ParsedFile | undefined> {
    const content = await text();
    if (content === undefined) return undefined;
    const parsed = parseManifest(content);
    this.stats.parsed++;
    this.files.set(oid, parsed);
    while (this.files.size > this.maxFiles) {
      const oldest = this.files.keys().next().value as string;
      this.files.delete(oldest);
    }
    return parsed;
  }

  get size(): number {
    return this.files.size;
  }
}

/** Reads and parses `path` of `snapshot` through `cache`; undefined when it is not a file. */
export async function parseFile(cache: ParseCache, snapshot: RepoSnapshot, path: string, oid?: string): Promise<ParsedFile | undefined> {
  if (oid !== undefined) {
    return cache.get(oid, async () => (await snapshot.readFile(path))?.text);
  }
  const content = await snapshot.readFile(path);
  if (content === undefined) return undefined;
  return cache.get(content.oid, async () => content.text);
}
