// kubelet's AtomicWriter: a volume of projected files (configMap, secret,
// downwardAPI, projected) is a directory whose visible names are symlinks
// into `..data`, itself a symlink to a timestamped directory holding the
// real files. An update writes a new timestamped directory and swaps `..data`
// with one rename, so a reader sees either the old files or the new ones.

import fs from 'node:fs';
import path from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';

function validatePath(p: string): void {
  if (!p) throw new Error('invalid path: must not be empty');
  if (path.isAbsolute(p)) throw new Error(`invalid path "${p}": must be relative`);
  if (p.length > 4096) throw new Error(`invalid path "${p}": too long`);
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) throw new Error(`invalid path "${p}": must not contain '..'`);
  if (parts[0].startsWith('..')) throw new Error(`invalid path "${p}": must not start with '..'`);
}

function timestampDirName(now: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const rand = Math.floor(Math.random() * 1e9);
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.${pad(rand, 9)}`;
}

function listFiles(dir: string, prefix = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** True when the files under `..data` are exactly the payload (content and mode). */
function unchanged(dir: string, payload: Map<string, FileProjection>): boolean {
  const dataDir = path.join(dir, DATA);
  let real: string;
  try {
    real = fs.realpathSync(dataDir);
  } catch {
    return false;
  }
  const existing = listFiles(real);
  if (existing.length !== payload.size) return false;
  for (const [p, f] of payload) {
    try {
      const full = path.join(real, p);
      const st = fs.statSync(full);
      if ((st.mode & 0o7777) !== (f.mode & 0o7777)) return false;
      if (!fs.readFileSync(full).equals(f.data)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Write the payload into `dir` atomically; returns whether anything changed. */
export function writeAtomically(dir: string, payload: Map<string, FileProjection>, now: Date = new Date()): boolean {
  for (const p of payload.keys()) validatePath(p);
  fs.mkdirSync(dir, { recursive: true });
  if (unchanged(dir, payload)) return false;
  let oldTsDir: string | undefined;
  try {
    oldTsDir = fs.readlinkSync(path.join(dir, DATA));
  } catch {
    oldTsDir = undefined;
  }
  const tsName = timestampDirName(now);
  const tsDir = path.join(dir, tsName);
  fs.mkdirSync(tsDir, { mode: 0o755 });
  for (const [p, f] of payload) {
    const full = path.join(tsDir, p);
    fs.mkdirSync(path.dirname(full), { recursive: true, mode: 0o755 });
    fs.writeFileSync(full, f.data, { mode: f.mode & 0o7777 });
    fs.chmodSync(full, f.mode & 0o7777);
  }
  const tmpLink = path.join(dir, DATA_TMP);
  fs.rmSync(tmpLink, { force: true });
  fs.symlinkSync(tsName, tmpLink);
  fs.renameSync(tmpLink, path.join(dir, DATA));
  // The visible names: one symlink per top-level entry of the payload.
  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of top) {
    const link = path.join(dir, name);
    let ok = false;
    try {
      ok = fs.readlinkSync(link) === path.join(DATA, name);
    } catch {
      ok = false;
    }
    if (!ok) {
      fs.rmSync(link, { force: true, recursive: true });
      fs.symlinkSync(path.join(DATA, name), link);
    }
  }
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('..') || top.has(name)) continue;
    fs.rmSync(path.join(dir, name), { force: true, recursive: true });
  }
  if (oldTsDir && oldTsDir !== tsName && !oldTsDir.includes('/')) fs.rmSync(path.join(dir, oldTsDir), { recursive: true, force: true });
  return true;
}
