// Revision resolution and branch listing. A local repository answers from its
// own refs/heads; a remote mirror answers from refs/remotes/origin (what the
// server has), so branch names never carry the "origin/" prefix.

import fs from 'node:fs';
import * as git from 'isomorphic-git';
import { RevisionNotFoundError } from './errors.js';

export const REMOTE = 'origin';
const FULL_SHA = /^[0-9a-f]{40}$/i;
const SHORT_SHA = /^[0-9a-f]{4,39}$/i;

export interface BranchInfo {
  name: string;
  sha: string;
}

export class RefResolver {
  constructor(
    private readonly gitdir: string,
    private readonly local: boolean,
    private readonly repoURL: string,
    private readonly cache: object,
  ) {}

  /** The ref holding a branch's head as this repository knows it. */
  branchRef(name: string): string {
    return this.local ? `refs/heads/${name}` : `refs/remotes/${REMOTE}/${name}`;
  }

  /** Local: the branch HEAD points to ("" when HEAD is detached). Remote: the server's HEAD branch. */
  async defaultBranch(): Promise<string> {
    if (this.local) {
      return (await git.currentBranch({ fs, gitdir: this.gitdir, fullname: false })) ?? '';
    }
    const head = await this.tryResolve(`refs/remotes/${REMOTE}/HEAD`, 2);
    const prefix = `refs/remotes/${REMOTE}/`;
    if (head?.startsWith(prefix)) return head.slice(prefix.length);
    const names = (await this.branches()).map((b) => b.name);
    const guess = ['main', 'master'].find((n) => names.includes(n)) ?? names[0];
    if (!guess) throw new RevisionNotFoundError('HEAD', this.repoURL, 'the remote has no branches');
    return guess;
  }

  async branches(): Promise<BranchInfo[]> {
    const names = this.local
      ? await git.listBranches({ fs, gitdir: this.gitdir })
      : await git.listBranches({ fs, gitdir: this.gitdir, remote: REMOTE });
    const out: BranchInfo[] = [];
    for (const name of names.filter((n) => n !== 'HEAD').sort()) {
      const sha = await this.tryResolve(this.branchRef(name));
      if (sha) out.push({ name, sha });
    }
    return out;
  }

  /**
   * The commit SHA a revision names: ""/"HEAD" (default branch head), a tag (peeled), a branch,
   * a full ref name, or a full or abbreviated (≥4 hex digits) SHA. Tags win over branches of the
   * same name, as in git.
   */
  async resolve(rev?: string): Promise<string> {
    const r = (rev ?? '').trim();
    if (r === '' || r === 'HEAD') {
      const ref = this.local ? 'HEAD' : this.branchRef(await this.defaultBranch());
      const oid = await this.tryResolve(ref);
      if (!oid) throw new RevisionNotFoundError(r || 'HEAD', this.repoURL, 'the default branch has no commits');
      return this.peel(r || 'HEAD', oid);
    }
    if (FULL_SHA.test(r)) return this.peel(r, r.toLowerCase());
    for (const ref of this.candidates(r)) {
      const oid = await this.tryResolve(ref);
      if (oid) return this.peel(r, oid);
    }
    if (SHORT_SHA.test(r)) {
      let oid: string;
      try {
        oid = await git.expandOid({ fs, gitdir: this.gitdir, oid: r.toLowerCase(), cache: this.cache });
      } catch (err) {
        const ambiguous = (err as { code?: string }).code === 'AmbiguousError';
        throw new RevisionNotFoundError(r, this.repoURL, ambiguous ? 'the abbreviated SHA is ambiguous' : undefined);
      }
      return this.peel(r, oid);
    }
    throw new RevisionNotFoundError(r, this.repoURL, 'no branch, tag or commit has this name');
  }

  private candidates(r: string): string[] {
    if (r.startsWith('refs/')) {
      if (!this.local && r.startsWith('refs/heads/')) return [this.branchRef(r.slice('refs/heads/'.length))];
      return [r];
    }
    return [`refs/tags/${r}`, this.branchRef(r), `refs/remotes/${r}`];
  }

  /** Follow annotated tags to the commit; anything else that is not a commit is "not found". */
  private async peel(rev: string, oid: string): Promise<string> {
    for (let hops = 0; hops < 10; hops++) {
      let type: string;
      try {
        ({ type } = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.cache }));
      } catch {
        throw new RevisionNotFoundError(rev, this.repoURL, `no object ${oid}`);
      }
      if (type === 'commit') return oid;
      if (type !== 'tag') throw new RevisionNotFoundError(rev, this.repoURL, `${oid} is a ${type}, not a commit`);
      oid = (await git.readTag({ fs, gitdir: this.gitdir, oid, cache: this.cache })).tag.object;
    }
    throw new RevisionNotFoundError(rev, this.repoURL, 'too many nested tags');
  }

  /** A ref's value (with depth 2, a symbolic ref's target name), or undefined when missing. */
  private async tryResolve(ref: string, depth?: number): Promise<string | undefined> {
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref, depth });
    } catch {
      return undefined;
    }
  }
}
