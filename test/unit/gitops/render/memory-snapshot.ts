// An in-memory RepoSnapshot for render tests: a map of repo-relative path → text, with
// blob oids computed as git would (sha1 of "blob <len>\0<text>"), and read counters.
import { createHash } from 'node:crypto';
import type { FileContent, FileEntry, RepoSnapshot } from '../../../../src/gitops/types.js';

export function blobOid(text: string): string {
  const body = Buffer.from(text, 'utf8');
  return createHash('sha1').update(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body])).digest('hex');
}

export class MemorySnapshot implements RepoSnapshot {
  readonly revision: string;
  reads = 0;
  private readonly files: Map<string, FileContent>;

  constructor(files: Record<string, string>, revision = 'a'.repeat(40)) {
    this.revision = revision;
    this.files = new Map(Object.entries(files).map(([path, text]) => [path, { path, oid: blobOid(text), text }]));
  }

  /** A new snapshot with some files changed (undefined deletes). */
  with(changes: Record<string, string | undefined>): MemorySnapshot {
    const next: Record<string, string> = {};
    for (const [path, f] of this.files) next[path] = f.text;
    for (const [path, text] of Object.entries(changes)) {
      if (text === undefined) delete next[path];
      else next[path] = text;
    }
    return new MemorySnapshot(next, 'b'.repeat(40));
  }

  async listFiles(dir: string, recurse: boolean): Promise<FileEntry[]> {
    const prefix = dir === '' || dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`;
    const out: FileEntry[] = [];
    for (const f of this.files.values()) {
      if (!f.path.startsWith(prefix)) continue;
      const rest = f.path.slice(prefix.length);
      if (!recurse && rest.includes('/')) continue;
      out.push({ path: f.path, oid: f.oid });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readFile(path: string): Promise<FileContent | undefined> {
    this.reads++;
    const f = this.files.get(path);
    return f === undefined ? undefined : { ...f };
  }
}
