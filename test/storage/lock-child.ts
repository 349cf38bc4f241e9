// A child process for the cross-process lock tests:
//
//   node --import tsx test/storage/lock-child.ts try  <dir>
//     opens the store; prints `opened` (and closes it) or
//     `error {"name","code","holderPid","message"}`, then exits 0.
//
//   node --import tsx test/storage/lock-child.ts hold <dir>
//     opens the store, prints `held <pid>`, and keeps it open until its stdin
//     closes; then closes the store and prints `closed`.

import { openEmbeddedStore } from '../../src/storage/embedded/index.js';

function say(line: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(line + '\n', () => resolve()));
}

const [mode, dir] = process.argv.slice(2);
if ((mode !== 'try' && mode !== 'hold') || !dir) {
  console.error('usage: lock-child.ts try|hold <dir>');
  process.exit(2);
}

try {
  const store = await openEmbeddedStore({ dir });
  if (mode === 'try') {
    await say('opened');
    await store.close();
  } else {
    await say(`held ${process.pid}`);
    process.stdin.resume();
    await new Promise<void>((resolve) => process.stdin.once('end', resolve).once('close', resolve));
    await store.close();
    await say('closed');
  }
  process.exit(0);
} catch (err) {
  const e = err as Error & { code?: string; holderPid?: number };
  await say(`error ${JSON.stringify({ name: e.name, code: e.code, holderPid: e.holderPid, message: e.message })}`);
  process.exit(0);
}
