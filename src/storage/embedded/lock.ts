// An exclusive lock on the data directory across processes. Node has no
// flock, so the lock is a file created atomically with link(2) and holding
// the owner's pid and process start time; a lock whose owner is gone (or
// whose pid now belongs to a different process) is stale and taken over.

import fs from 'node:fs';
import path from 'node:path';
import { ErrLocked } from '../errors.js';

export interface DirLock {
  release(): void;
}

/** Start time of a process in clock ticks since boot (Linux), or '' elsewhere. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the parenthesised command name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return process.platform === 'linux' ? undefined : '';
  }
}

function isAlive(pid: number, started: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const now = startTime(pid);
  return now === undefined ? false : started === '' || now === '' || now === started;
}

export function lockDir(dir: string): DirLock {
  const lockFile = path.join(dir, 'LOCK');
  const me = `${process.pid} ${startTime(process.pid) ?? ''}\n`;
  const tmp = path.join(dir, `LOCK.${process.pid}.${Date.now()}`);
  fs.writeFileSync(tmp, me);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, lockFile);
        return {
          release() {
            try {
              if (fs.readFileSync(lockFile, 'utf8') === me) fs.rmSync(lockFile);
            } catch {
              // Already gone.
            }
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder = '';
      try {
        holder = fs.readFileSync(lockFile, 'utf8');
      } catch {
        continue; // Released between link and read: try again.
      }
      const [pidText, started = ''] = holder.trim().split(' ');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid, started)) throw new ErrLocked(dir, pid);
      // Stale: move it aside under a unique name, and only drop it if it is
      // still the stale one we read (another process may have taken over).
      const aside = `${lockFile}.stale.${process.pid}`;
      try {
        fs.renameSync(lockFile, aside);
        if (fs.readFileSync(aside, 'utf8') !== holder) fs.renameSync(aside, lockFile);
        else fs.rmSync(aside);
      } catch {
        // Someone else is cleaning up; loop.
      }
    }
    throw new ErrLocked(dir);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
