// The victim of the crash test:
//
//   node --import tsx test/storage/crash-writer.ts <dir> <run>
//
// Opens the embedded store in <dir> and writes until it is killed, with 16
// writes in flight. Each line goes to stdout with one write(2) (pipes are
// atomic up to PIPE_BUF), only after the operation's promise resolved:
//
//   ready <revision> <compactRevision>     after open
//   lease <id> <ttl>                       a lease grant was acknowledged
//   ack <key> <revision> <value> [<lease>] a put was acknowledged
//   ack ...\nack ...                       both puts of one txn (same revision)
//   compact <revision>                     a compaction was acknowledged
//
// Keys: /crash/new/<run>/<n> are written once; /crash/hot/<0..7> are
// overwritten all the time. Values are unique ("<run>:<n>"). The writer stops
// by itself after 60 s or 500,000 writes, whichever comes first.

import { openEmbeddedStore } from '../../src/storage/embedded/index.js';

const [dir, run] = process.argv.slice(2);
if (!dir || !run) {
  console.error('usage: crash-writer.ts <dir> <run>');
  process.exit(2);
}

// process.stdout.write, not writeSync(1): the pipe is non-blocking and a full
// pipe would make writeSync fail with EAGAIN. A line still buffered when the
// kill lands is simply an ack the test never sees, which is always safe.
const say = (text: string): void => {
  process.stdout.write(text + '\n');
};

const store = await openEmbeddedStore({
  dir,
  fsync: process.env.CRASH_FSYNC !== '0',
  snapshotThresholdBytes: Number(process.env.CRASH_SNAPSHOT_BYTES ?? 64 * 1024),
});
const st = await store.status();
say(`ready ${st.header.revision} ${st.compactRevision}`);

const lease = await store.leaseGrant(3600);
say(`lease ${lease.id} ${lease.ttl}`);

const deadline = Date.now() + 60_000;
const maxWrites = 500_000;
let n = 0;

async function worker(w: number): Promise<void> {
  while (n < maxWrites && Date.now() < deadline) {
    const i = n++;
    const value = `${run}:${i}`;
    const dice = i % 20;
    if (dice < 14) {
      const key = `/crash/new/${run}/${i}`;
      const leased = dice === 3;
      const r = await store.put({ key, value, lease: leased ? lease.id : undefined });
      say(`ack ${key} ${r.header.revision} ${value}${leased ? ` ${lease.id}` : ''}`);
    } else if (dice < 18) {
      const key = `/crash/hot/${(i * 7 + w) % 8}`;
      const r = await store.put({ key, value });
      say(`ack ${key} ${r.header.revision} ${value}`);
    } else if (dice === 18) {
      const a = `/crash/new/${run}/${i}a`;
      const b = `/crash/new/${run}/${i}b`;
      const r = await store.txn({
        success: [{ put: { key: a, value: `${value}a` } }, { put: { key: b, value: `${value}b` } }],
      });
      say(`ack ${a} ${r.header.revision} ${value}a\nack ${b} ${r.header.revision} ${value}b`);
    } else if (i % 400 === 399) {
      const cur = (await store.status()).header.revision;
      const at = cur - 300;
      if (at > (await store.status()).compactRevision) {
        try {
          await store.compact(at);
          say(`compact ${at}`);
        } catch (err) {
          // Another worker compacted further meanwhile.
          if ((err as { code?: string }).code !== 'Compacted') throw err;
        }
      }
    }
  }
}

await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
await store.close();
say('done');
