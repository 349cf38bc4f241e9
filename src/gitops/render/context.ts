// State of one render call: the snapshot, the renderer's parse cache, the errors collected
// so far and the files read; directory listings are memoised for the call.

import type { FileEntry, RenderError, RepoSnapshot } from '../types.js';
import { ParseCache, parseFile } from './cache.js';
import { atFile, type LocalError } from './errors.js';
import type { ParsedFile } from './parse.js';

export class RenderContext {
  readonly errors: RenderError[] = [];
  readonly filesRead = new Set<string>();
  private readonly listings = new Map<string, Promise<FileEntry[]>>();

  constructor(
    readonly snapshot: RepoSnapshot,
    private readonly cache: ParseCache,
  ) {}

  error(file: string, e: LocalError): void {
    this.errors.push(atFile(file, e));
  }

  /** Parsed file at `path` (cached by blob), or undefined when it is not a file. */
  async parse(path: string, oid?: string): Promise<ParsedFile | undefined> {
    const parsed = await parseFile(this.cache, this.snapshot, path, oid);
    if (parsed !== undefined) this.filesRead.add(path);
    return parsed;
  }

  /** Parsed files of listed entries, in order: cache hits without awaiting, misses in parallel. */
  async parseAll(entries: FileEntry[]): Promise<Array<ParsedFile | undefined>> {
    const out: Array<ParsedFile | undefined> = entries.map((e) => this.cache.peek(e.oid));
    const misses: Promise<void>[] = [];
    entries.forEach((e, i) => {
      if (out[i] === undefined) misses.push(parseFile(this.cache, this.snapshot, e.path, e.oid).then((p) => void (out[i] = p)));
    });
    if (misses.length > 0) await Promise.all(misses);
    entries.forEach((e, i) => {
      if (out[i] !== undefined) this.filesRead.add(e.path);
    });
    return out;
  }

  /** Raw text of `path`, or undefined when it is not a file. */
  async readText(path: string): Promise<string | undefined> {
    const content = await this.snapshot.readFile(path);
    if (content !== undefined) this.filesRead.add(path);
    return content?.text;
  }

  list(dir: string, recurse: boolean): Promise<FileEntry[]> {
    const key = `${recurse ? 'r' : 'f'}:${dir}`;
    let listing = this.listings.get(key);
    if (listing === undefined) {
      listing = this.snapshot.listFiles(dir, recurse);
      this.listings.set(key, listing);
    }
    return listing;
  }
}
