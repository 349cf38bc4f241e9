// The API server for bench/api, in its own process (as kube-apiserver is):
// the whole control plane on a temp data dir, HTTPS with a bearer token.
// Prints one JSON line {url, token, caFile} and runs until SIGTERM.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane } from '../../src/cmd/control-plane.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-bench-api-'));
const cp = await startControlPlane({ dataDir, port: 0, log: (m, e) => console.error(m, e ?? '') });
process.stdout.write(JSON.stringify({ url: cp.url, token: cp.adminToken, caFile: path.join(dataDir, 'pki', 'ca.crt') }) + '\n');
const stop = async (): Promise<void> => {
  await cp.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
