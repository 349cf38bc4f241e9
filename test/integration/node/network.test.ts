// Pod networking against the real kernel (root only): netns + veth + bridge.
// Every name is unique to this run and everything is removed afterwards,
// also when a test fails.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseBridge, createBridgeNetwork, createLoopbackNetwork, type BridgeNetwork } from '../../../src/node/network/index.js';
import type { PodSandbox } from '../../../src/node/runtime/types.js';

const root = await canUseBridge();
const tag = randomBytes(2).toString('hex');
const bridgeName = `gptb${tag}`;
const prefix = `gt${tag}`;
const subnet = 10 + (parseInt(tag, 16) % 200);
const podCidr = `10.251.${subnet}.0/24`;

const sandbox = (uid: string, name: string): PodSandbox => ({ id: uid, uid, namespace: 'default', name, hostname: name, network: { ip: '' } });

function ipOut(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

const children = new Set<ChildProcess>();

/** A TCP server inside a netns that answers "hello from <ip>". */
async function serveInNetns(ns: string, port: number): Promise<ChildProcess> {
  const script = `require('net').createServer(s=>{s.end('hello from '+s.localAddress)}).listen(${port},'0.0.0.0',()=>console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`server in ${ns} exited ${code}`)));
  });
  return child;
}

function fetchTcp(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let out = '';
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

/** Connect from inside a netns (a client process run there). */
function fetchFromNetns(ns: string, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${host}');let o='';s.on('data',d=>o+=d);s.on('end',()=>{process.stdout.write(o)});s.on('error',e=>{console.error(e.message);process.exit(1)})`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout),
    );
  });
}

describe.skipIf(!root)('bridge network (root)', () => {
  let stateDir: string;
  let plugin: BridgeNetwork;
  const a = sandbox(`aaaa${tag}-1111-4111-8111-111111111111`, 'pod-a');
  const b = sandbox(`bbbb${tag}-2222-4222-8222-222222222222`, 'pod-b');

  beforeAll(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-net-'));
    plugin = createBridgeNetwork({ podCidr, bridge: bridgeName, stateDir, prefix });
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await plugin.destroy().catch(() => undefined);
    // Belt and braces: remove by name whatever a failed test left behind.
    for (const s of [a, b]) {
      ipOut(['netns', 'del', plugin.netnsName(s.uid)]);
      ipOut(['link', 'del', plugin.hostVethName(s.uid)]);
    }
    ipOut(['link', 'del', bridgeName]);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('gives two pods their own netns and distinct IPs in the pod CIDR, idempotently', async () => {
    const na = await plugin.setUp(a);
    const nb = await plugin.setUp(b);
    expect(na.ip).toMatch(new RegExp(`^10\\.251\\.${subnet}\\.`));
    expect(nb.ip).not.toBe(na.ip);
    expect(na.netnsPath).toBe(`/run/netns/${prefix}-aaaa${tag}`);
    expect(fs.existsSync(na.netnsPath!)).toBe(true);
    expect(await plugin.setUp(a)).toEqual(na);
    const nsList = ipOut(['netns', 'list']);
    expect(nsList).toContain(plugin.netnsName(a.uid));
    expect(nsList).toContain(plugin.netnsName(b.uid));
    expect(ipOut(['-n', plugin.netnsName(a.uid), '-4', 'addr', 'show', 'dev', 'eth0'])).toContain(`${na.ip}/24`);
    expect(ipOut(['-n', plugin.netnsName(a.uid), 'route'])).toContain(`default via ${plugin.gateway}`);
    expect(ipOut(['-n', plugin.netnsName(a.uid), 'link', 'show', 'lo'])).toMatch(/UP/);
    expect(ipOut(['link', 'show', 'dev', plugin.hostVethName(a.uid)])).toContain(`master ${bridgeName}`);
  });

  it('carries TCP host→pod and pod→pod', async () => {
    const na = await plugin.setUp(a);
    const nb = await plugin.setUp(b);
    await serveInNetns(plugin.netnsName(a.uid), 8080);
    await serveInNetns(plugin.netnsName(b.uid), 8080);
    expect(await fetchTcp(na.ip, 8080)).toBe(`hello from ${na.ip}`);
    expect(await fetchTcp(nb.ip, 8080)).toBe(`hello from ${nb.ip}`);
    expect(await fetchFromNetns(plugin.netnsName(b.uid), na.ip, 8080)).toBe(`hello from ${na.ip}`);
    expect(await fetchFromNetns(plugin.netnsName(a.uid), nb.ip, 8080)).toBe(`hello from ${nb.ip}`);
    // The gateway (the host) is reachable from a pod too.
    const host = net.createServer((s) => s.end('host')).listen(0, plugin.gateway);
    await new Promise((r) => host.once('listening', r));
    try {
      expect(await fetchFromNetns(plugin.netnsName(a.uid), plugin.gateway, (host.address() as net.AddressInfo).port)).toBe('host');
    } finally {
      host.close();
    }
    for (const c of children) c.kill('SIGKILL');
  });

  it('keeps addresses across a plugin restart', async () => {
    const before = await plugin.setUp(a);
    await plugin.close();
    plugin = createBridgeNetwork({ podCidr, bridge: bridgeName, stateDir, prefix });
    expect(await plugin.setUp(a)).toEqual(before);
    const c = sandbox(`cccc${tag}-3333-4333-8333-333333333333`, 'pod-c');
    try {
      const nc = await plugin.setUp(c);
      expect([before.ip, (await plugin.setUp(b)).ip]).not.toContain(nc.ip);
    } finally {
      await plugin.tearDown(c);
    }
  });

  it('tearDown removes the netns and the veth, and releases the address', async () => {
    await plugin.setUp(a);
    await plugin.tearDown(a);
    await plugin.tearDown(a); // idempotent
    expect(ipOut(['netns', 'list'])).not.toContain(plugin.netnsName(a.uid));
    expect(ipOut(['link', 'show', 'dev', plugin.hostVethName(a.uid)])).toBe('');
    const ipam = JSON.parse(fs.readFileSync(path.join(stateDir, `ipam-${bridgeName}.json`), 'utf8'));
    expect(Object.keys(ipam.allocations)).toEqual([b.uid]);
    await plugin.tearDown(b);
    await plugin.destroy();
    expect(ipOut(['link', 'show', 'dev', bridgeName])).toBe('');
  });
});

describe.skipIf(!root)('bridge ownership (root)', () => {
  const owned = `gpto${tag}`;
  const ownerFile = `/run/gitplane/${owned}.owner`;
  const identity = (pid: number) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  };

  afterAll(() => {
    fs.rmSync(ownerFile, { force: true });
    ipOut(['link', 'del', owned]);
  });

  it('refuses a bridge another live process holds, and takes over one whose holder is gone', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-own-'));
    try {
      fs.mkdirSync('/run/gitplane', { recursive: true });
      // Held by a live process (pid 1, with its real start time): neither ready() nor destroy() touch it.
      fs.writeFileSync(ownerFile, `${identity(1)}\n`);
      const refused = createBridgeNetwork({ podCidr: `10.251.${(subnet + 1) % 250}.0/24`, bridge: owned, stateDir, prefix: `gu${tag}` });
      await expect(refused.ready()).rejects.toThrow(/in use by another gitplane node \(pid 1\)/);
      expect(ipOut(['link', 'show', 'dev', owned])).toBe('');
      await refused.close();
      // Held by a process that is gone (same pid, another start time): taken over.
      fs.writeFileSync(ownerFile, '1 0\n');
      const plugin = createBridgeNetwork({ podCidr: `10.251.${(subnet + 1) % 250}.0/24`, bridge: owned, stateDir, prefix: `gu${tag}` });
      await plugin.ready();
      expect(fs.readFileSync(ownerFile, 'utf8').trim()).toBe(identity(process.pid));
      expect(ipOut(['link', 'show', 'dev', owned])).toContain(owned);
      await plugin.destroy();
      expect(fs.existsSync(ownerFile)).toBe(false);
      expect(ipOut(['link', 'show', 'dev', owned])).toBe('');
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('loopback network', () => {
  it('gives pods distinct 127.x addresses that a server can bind at once', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-lo-'));
    const plugin = createLoopbackNetwork({ stateDir, base: '127.77.0.0/16' });
    const servers: net.Server[] = [];
    try {
      const ips = [];
      for (let i = 0; i < 3; i++) ips.push((await plugin.setUp(sandbox(`uid-${i}`, `p${i}`))).ip);
      expect(new Set(ips).size).toBe(3);
      for (const ip of ips) {
        const s = net.createServer((c) => c.end(`hi ${ip}`));
        servers.push(s);
        await new Promise<void>((r) => s.listen(18080, ip, () => r()));
      }
      for (const ip of ips) expect(await fetchTcp(ip, 18080)).toBe(`hi ${ip}`);
    } finally {
      for (const s of servers) s.close();
      await plugin.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
