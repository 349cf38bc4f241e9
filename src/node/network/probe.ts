// Can this process build bridge networks? Root, and an `ip` that can list namespaces.

import { ip } from './ip-command.js';

export async function canUseBridge(): Promise<boolean> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  try {
    await ip(['netns', 'list']);
    await ip(['-V']);
    return true;
  } catch {
    return false;
  }
}
