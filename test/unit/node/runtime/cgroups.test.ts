import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuQuota, cpuShares, limitFiles, memoryDirOomKilled, sharesToWeight } from '../../../../src/node/runtime/process/cgroups.js';
import { signalFromStatus } from '../../../../src/node/runtime/process/supervisor.js';

describe('cgroup values', () => {
  it('converts millicores like the kubelet', () => {
    expect(cpuShares(undefined)).toBeUndefined();
    expect(cpuShares(0)).toBe(2);
    expect(cpuShares(100)).toBe(102);
    expect(cpuShares(1000)).toBe(1024);
    expect(cpuQuota(500)).toBe(50_000);
    expect(cpuQuota(2000)).toBe(200_000);
    expect(cpuQuota(1)).toBe(1000);
    expect(sharesToWeight(1024)).toBe(39);
  });

  it('maps limits to v1 and v2 files', () => {
    expect(limitFiles('v1', { memoryLimit: 64 << 20, cpuLimitMillis: 500, cpuRequestMillis: 250 }, true)).toEqual([
      ['memory/memory.limit_in_bytes', '67108864'],
      ['memory/memory.memsw.limit_in_bytes', '67108864'],
      ['cpu/cpu.cfs_period_us', '100000'],
      ['cpu/cpu.cfs_quota_us', '50000'],
      ['cpu/cpu.shares', '256'],
    ]);
    expect(limitFiles('v2', { memoryLimit: 1024, cpuLimitMillis: 1500 })).toEqual([
      ['memory.max', '1024'],
      ['memory.swap.max', '0'],
      ['cpu.max', '150000 100000'],
    ]);
    expect(limitFiles('v1', {})).toEqual([]);
  });
});

describe('OOM detection from cgroup files', () => {
  const withDir = (files: Record<string, string>, fn: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-oom-'));
    try {
      mkdirSync(dir, { recursive: true });
      for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), v);
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('v1: the oom_kill counter of memory.oom_control', () => {
    withDir({ 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n' }, (d) => expect(memoryDirOomKilled(d, 'v1')).toBe(true));
    withDir({ 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n' }, (d) => expect(memoryDirOomKilled(d, 'v1')).toBe(false));
  });

  it('v1 on old kernels: failcnt with the peak at the limit', () => {
    const base = { 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n', 'memory.limit_in_bytes': '67108864' };
    withDir({ ...base, 'memory.failcnt': '12', 'memory.max_usage_in_bytes': '67108864' }, (d) => expect(memoryDirOomKilled(d, 'v1')).toBe(true));
    withDir({ ...base, 'memory.failcnt': '0', 'memory.max_usage_in_bytes': '1000' }, (d) => expect(memoryDirOomKilled(d, 'v1')).toBe(false));
  });

  it('v2: memory.events oom_kill', () => {
    withDir({ 'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n' }, (d) => expect(memoryDirOomKilled(d, 'v2')).toBe(true));
    withDir({ 'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n' }, (d) => expect(memoryDirOomKilled(d, 'v2')).toBe(false));
    expect(memoryDirOomKilled('/nonexistent', 'v2')).toBe(false);
  });
});

describe('exit statuses', () => {
  it('maps 128+n to signal names', () => {
    expect(signalFromStatus(137)).toBe('SIGKILL');
    expect(signalFromStatus(143)).toBe('SIGTERM');
    expect(signalFromStatus(3)).toBeUndefined();
    expect(signalFromStatus(128)).toBeUndefined();
    expect(signalFromStatus(255)).toBeUndefined();
  });
});
