// A thin wrapper over the iproute2 `ip` command: run it, and read links,
// addresses and namespaces as JSON (`ip -j`).

import { execFile } from 'node:child_process';

export class IpCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(`ip ${args.join(' ')}: ${stderr.trim() || `exit ${exitCode}`}`);
    this.name = 'IpCommandError';
  }
}

export function ip(args: string[], opts: { bin?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(opts.bin ?? 'ip', args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null;
        reject(new IpCommandError(args, stderr || err.message, code));
      } else resolve(stdout);
    });
  });
}

/**
 * Several commands in one `ip -batch -` (in `netns` when given): one process instead of one
 * per command. Stops at the first failing command (the error names it). Words must not
 * contain whitespace or quotes.
 */
export function ipBatch(commands: string[][], opts: { netns?: string; bin?: string } = {}): Promise<string> {
  const args = [...(opts.netns ? ['-n', opts.netns] : []), '-batch', '-'];
  for (const c of commands) for (const w of c) if (!w || /[\s"'\\#]/.test(w)) throw new Error(`ip -batch: unsafe word ${JSON.stringify(w)}`);
  return new Promise((resolve, reject) => {
    const child = execFile(opts.bin ?? 'ip', args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null;
        reject(new IpCommandError([...args, `<<< ${commands.map((c) => c.join(' ')).join('; ')}`], stderr || err.message, code));
      } else resolve(stdout);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(commands.map((c) => c.join(' ')).join('\n') + '\n');
  });
}

/** True when the failure means the object is already gone (or never was). */
export function isNotFound(err: unknown): boolean {
  const text = err instanceof IpCommandError ? err.stderr : String(err);
  return /does not exist|Cannot find device|No such device|No such file|No such process|not found|Cannot find|Cannot open network namespace/i.test(text);
}

export function isExists(err: unknown): boolean {
  const text = err instanceof IpCommandError ? err.stderr : String(err);
  return /File exists|already exists|Address already assigned/i.test(text);
}

export async function linkExists(name: string, netns?: string): Promise<boolean> {
  try {
    await ip([...(netns ? ['-n', netns] : []), 'link', 'show', 'dev', name]);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export async function netnsList(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n): n is string => !!n);
}

/** Every IPv4 address on the host (or in a netns) with its link and prefix length. */
export async function allAddresses(netns?: string): Promise<Array<{ link: string; address: string; prefixLen: number }>> {
  const out = await ip([...(netns ? ['-n', netns] : []), '-j', '-4', 'addr', 'show']);
  const parsed = JSON.parse(out || '[]') as Array<{ ifname?: string; addr_info?: Array<{ local?: string; prefixlen?: number }> }>;
  return parsed.flatMap((l) => (l.addr_info ?? []).filter((a) => a.local).map((a) => ({ link: l.ifname ?? '', address: a.local!, prefixLen: a.prefixlen ?? 32 })));
}

/** IPv4 addresses (without prefix length) on a link. */
export async function linkAddresses(name: string, netns?: string): Promise<string[]> {
  const out = await ip([...(netns ? ['-n', netns] : []), '-j', '-4', 'addr', 'show', 'dev', name]);
  const parsed = JSON.parse(out || '[]') as Array<{ addr_info?: Array<{ family?: string; local?: string }> }>;
  return parsed.flatMap((l) => (l.addr_info ?? []).filter((a) => a.local).map((a) => a.local!));
}

export async function deleteLink(name: string, netns?: string): Promise<void> {
  try {
    await ip([...(netns ? ['-n', netns] : []), 'link', 'del', 'dev', name]);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export async function deleteNetns(name: string): Promise<void> {
  try {
    await ip(['netns', 'del', name]);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Create a device that only carries local addresses: dummy, or an empty bridge where the kernel has no dummy driver. */
export async function ensureDummyLink(name: string): Promise<void> {
  if (!(await linkExists(name))) {
    try {
      await ip(['link', 'add', name, 'type', 'dummy']);
    } catch (err) {
      if (isExists(err)) {
        // created meanwhile
      } else if (/Unknown device type|not supported/i.test(String((err as Error).message))) {
        await ip(['link', 'add', name, 'type', 'bridge']).catch((e: unknown) => {
          if (!isExists(e)) throw e;
        });
      } else throw err;
    }
  }
  await ip(['link', 'set', name, 'up']);
}
