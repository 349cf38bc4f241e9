/**
 * The Application (gitplane.io/v1alpha1) printer, in the spirit of Argo CD's printer columns:
 * Name, Sync Status, Health Status, Revision, Age | Repo, Path, Target.
 */
import type { Application } from '../../api/generated/index.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { translateTimestampSince } from './human-duration.js';
import type { KindPrinter, PrintedRow } from './types.js';

/** A full 40-hex commit SHA shortened to 7 characters, as `git log --oneline` shows it; anything else as is. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 7) : revision;
}

export const applicationPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Sync Status', 'string', 'Whether the live state matches the manifests in Git: Synced, OutOfSync or Unknown.'),
    column('Health Status', 'string', 'Combined health of the resources the application manages.'),
    column('Revision', 'string', 'The commit the live state was last compared against.'),
    ageColumn(),
    column('Repo', 'string', 'URL or local path of the Git repository.', { priority: 1 }),
    column('Path', 'string', 'Directory inside the repository that holds the manifests.', { priority: 1 }),
    column('Target', 'string', 'Branch, tag or commit to sync to.', { priority: 1 }),
  ],
  print(obj: object, now: number): PrintedRow {
    const app = obj as Application;
    const revision = app.status?.sync?.revision;
    const source = app.spec?.source;
    return {
      cells: [
        app.metadata?.name ?? '',
        app.status?.sync?.status ?? 'Unknown',
        app.status?.health?.status ?? 'Unknown',
        revision ? shortRevision(revision) : '<none>',
        translateTimestampSince(app.metadata?.creationTimestamp, now),
        source?.repoURL ?? '',
        source?.path ?? '.',
        source?.targetRevision ?? 'HEAD',
      ],
    };
  },
};
