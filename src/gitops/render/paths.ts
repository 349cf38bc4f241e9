// POSIX path helpers for repo-relative paths: normalisation ("" is the root, no "./",
// no trailing slash), joining with "..", and hidden-entry detection.

/** "./a//b/" → "a/b"; "" and "." → "". Returns undefined for paths that climb above the root. */
export function normalizePath(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}

/** `dir` joined with a relative `rel` ("../base"), normalised; undefined above the root. */
export function joinPath(dir: string, rel: string): string | undefined {
  if (rel.startsWith('/')) return normalizePath(rel);
  return normalizePath(dir === '' ? rel : `${dir}/${rel}`);
}

/** `path` relative to directory `dir` (which contains it). */
export function relativeTo(dir: string, path: string): string {
  return dir === '' ? path : path.slice(dir.length + 1);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Whether any segment of `rel` starts with "." (hidden files and directories are skipped). */
export function isHidden(rel: string): boolean {
  return rel.split('/').some((part) => part.startsWith('.'));
}
