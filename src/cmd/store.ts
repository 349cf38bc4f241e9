// `gitplane store status|compact|snapshot|restore`: operate on an embedded
// store's data directory. status, compact and an in-place snapshot need the
// directory to themselves (no server running on it); `snapshot --out` copies
// a consistent snapshot even while a server runs, and `restore` makes a new
// data directory from such a file.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadOrCreateKeys } from '../apiserver/encryption.js';
import { examples } from '../cli/command.js';
import { backupEmbeddedStore, openEmbeddedStore, restoreEmbeddedStore, RANGE_TO_END } from '../storage/index.js';

const ENCRYPTION_KEYS = 'encryption-keys.json';
/** Values sealed by an encryption-at-rest provider: k8s:enc:<provider>:v1:<key name>:… */
const SEALED = /^k8s:enc:[^:]+:v1:([^:]+):/;

function storeDir(dataDir: string): string {
  return path.resolve(dataDir, 'store');
}

export function registerStore(program: Command): void {
  const store = program.command('store').description('inspect, maintain, back up and restore the embedded store');
  const dataDir = (cmd: Command): Command => cmd.option('--data-dir <dir>', 'the cluster data directory', '.gitplane');
  examples(store, [
    'gitplane store status --data-dir .gitplane',
    'gitplane store snapshot --data-dir .gitplane --out backup.snap',
    'gitplane store restore --from backup.snap --data-dir restored --encryption-keys .gitplane/encryption-keys.json',
  ]);

  const status = dataDir(store.command('status').description('print revision, keys and what recovery repaired (the server must be stopped)')).action(
    async (opts: { dataDir: string }) => {
      const s = await openEmbeddedStore({ dir: storeDir(opts.dataDir) });
      try {
        const st = await s.status();
        const stats = s.stats();
        console.log(`revision:          ${st.header.revision}`);
        console.log(`compact revision:  ${st.compactRevision}`);
        console.log(`keys:              ${stats.keys}`);
        console.log(`live bytes:        ${stats.liveBytes}`);
        console.log(`leases:            ${stats.leases}`);
        console.log(`recovery:          ${s.recovery.durationMs.toFixed(0)} ms, ${s.recovery.walRecords} WAL frames` +
          (s.recovery.snapshotRevision ? `, snapshot at revision ${s.recovery.snapshotRevision}` : ''));
        if (s.recovery.message) console.log(`repaired:          ${s.recovery.message}`);
      } finally {
        await s.close();
      }
    },
  );
  examples(status, ['gitplane store status --data-dir .gitplane']);

  const compact = dataDir(store.command('compact').description('drop history older than the newest N revisions (the server must be stopped)'))
    .option('--keep <n>', 'revisions of history to keep', '1000')
    .action(async (opts: { dataDir: string; keep: string }) => {
      const keep = Number(opts.keep);
      if (!Number.isInteger(keep) || keep < 0) throw new Error(`--keep must be a non-negative integer, not ${opts.keep}`);
      const s = await openEmbeddedStore({ dir: storeDir(opts.dataDir) });
      try {
        const st = await s.status();
        const rev = st.header.revision - keep;
        if (rev <= st.compactRevision) {
          console.log('nothing to compact');
          return;
        }
        await s.compact(rev);
        console.log(`compacted to revision ${rev}`);
      } finally {
        await s.close();
      }
    });
  examples(compact, [
    '# keep the last 1000 revisions (the default)',
    'gitplane store compact --data-dir .gitplane',
    '# keep only the current revision, then write a snapshot so the WAL shrinks too',
    'gitplane store compact --data-dir .gitplane --keep 0',
    'gitplane store snapshot --data-dir .gitplane',
  ]);

  const snapshot = dataDir(
    store
      .command('snapshot')
      .description('write a snapshot and truncate the WAL (server stopped), or with --out copy a consistent snapshot to a file (server may run)'),
  )
    .option('--out <file>', 'write a snapshot to this file instead, leaving the data dir untouched (works while a server runs)')
    .action(async (opts: { dataDir: string; out?: string }) => {
      if (opts.out) {
        const out = path.resolve(opts.out);
        if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new Error(`--out ${out} is a directory; name a file`);
        const summary = await backupEmbeddedStore({ dir: storeDir(opts.dataDir), out });
        console.log(`wrote ${summary.file}: revision ${summary.revision}, ${summary.keys} keys, ${summary.leases} leases`);
        const keys = path.resolve(opts.dataDir, ENCRYPTION_KEYS);
        if (fs.existsSync(keys)) {
          console.log(`Secrets in it are encrypted: keep ${keys} too (not in the snapshot); restore with --encryption-keys.`);
        }
        return;
      }
      const s = await openEmbeddedStore({ dir: storeDir(opts.dataDir) });
      try {
        console.log(`wrote ${await s.snapshot()}`);
      } finally {
        await s.close();
      }
    });
  examples(snapshot, [
    '# a backup of a running cluster (nothing in the data dir changes)',
    'gitplane store snapshot --data-dir .gitplane --out backups/$(date +%F).snap',
    '# with the server stopped: snapshot in place and drop the WAL it covers',
    'gitplane store snapshot --data-dir .gitplane',
  ]);

  const restore = store
    .command('restore')
    .description('make a new data directory whose store is the given snapshot file')
    .requiredOption('--from <file>', 'a snapshot file (from `gitplane store snapshot --out`, or <data-dir>/store/snap/*.snap)')
    .requiredOption('--data-dir <dir>', 'the new data directory (must not exist or be empty)')
    .option('--encryption-keys <file>', `the ${ENCRYPTION_KEYS} of the backed-up data dir, to read its Secrets`)
    .action(async (opts: { from: string; dataDir: string; encryptionKeys?: string }) => {
      const dir = path.resolve(opts.dataDir);
      if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`${dir} is not empty; restore into a new data directory`);
      if (opts.encryptionKeys && !fs.existsSync(opts.encryptionKeys)) throw new Error(`--encryption-keys ${opts.encryptionKeys} does not exist`);
      const created = !fs.existsSync(dir);
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (opts.encryptionKeys) fs.copyFileSync(opts.encryptionKeys, path.join(dir, ENCRYPTION_KEYS));
        const summary = await restoreEmbeddedStore({ from: opts.from, dir: storeDir(dir) });
        const problem = await checkSealedValues(dir, !!opts.encryptionKeys);
        if (problem && opts.encryptionKeys) throw new Error(problem);
        console.log(`restored revision ${summary.revision} (${summary.keys} keys, ${summary.leases} leases) into ${dir}`);
        if (problem) console.log(`Warning: ${problem}`);
        console.log(`Start it with: gitplane server --data-dir ${dir}   (or gitplane up --data-dir ${dir})`);
        console.log('The new data dir gets a new CA and admin token on first start: use its kubeconfig, and join nodes again (gitplane token create).');
      } catch (err) {
        // Leave nothing half-made behind.
        if (created) fs.rmSync(dir, { recursive: true, force: true });
        else for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
        throw err;
      }
    });
  examples(restore, [
    '# back up, then restore into a fresh data dir and start a server on it',
    'gitplane store snapshot --data-dir .gitplane --out backup.snap',
    'gitplane store restore --from backup.snap --data-dir /srv/gitplane --encryption-keys .gitplane/encryption-keys.json',
    'gitplane server --data-dir /srv/gitplane',
  ]);
}

/**
 * Encrypted values (Secrets) in the restored store that its data dir cannot
 * open: a message saying so, or undefined when all open (or there are none).
 */
async function checkSealedValues(dataDir: string, haveKeys: boolean): Promise<string | undefined> {
  const s = await openEmbeddedStore({ dir: storeDir(dataDir) });
  let sealed: Array<{ key: string; value: string; keyName: string }> = [];
  try {
    const res = await s.range({ key: '\0', rangeEnd: RANGE_TO_END });
    sealed = res.kvs.flatMap((kv) => {
      const m = SEALED.exec(kv.value);
      return m ? [{ key: kv.key, value: kv.value, keyName: m[1] }] : [];
    });
  } finally {
    await s.close();
  }
  if (sealed.length === 0) return undefined;
  const names = [...new Set(sealed.map((v) => v.keyName))].join(', ');
  if (!haveKeys) {
    return `${sealed.length} encrypted values (Secrets, keys ${names}) cannot be read without the old data dir's ${ENCRYPTION_KEYS}: restore again with --encryption-keys.`;
  }
  const box = loadOrCreateKeys(dataDir);
  const bad = sealed.filter((v) => {
    try {
      box.open(v.value);
      return false;
    } catch {
      return true;
    }
  });
  return bad.length === 0 ? undefined : `--encryption-keys cannot decrypt ${bad.length} of ${sealed.length} encrypted values (first: ${bad[0].key}); is it the backed-up data dir's ${ENCRYPTION_KEYS}?`;
}
