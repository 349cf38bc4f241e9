import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { namespaceWrapperScript, rewriteForLimitedMode, rewritePath, shQuote } from '../../../../src/node/runtime/process/wrapper.js';

describe('shQuote', () => {
  it('survives a round trip through sh', () => {
    for (const s of ["it's", 'a b', '$HOME `x` "q"', '', 'back\\slash\nnewline']) {
      expect(execFileSync('/bin/sh', ['-c', `printf %s ${shQuote(s)}`], { encoding: 'utf8' })).toBe(s);
    }
  });
});

describe('limited mode path rewriting', () => {
  const mounts = [
    { hostPath: '/var/lib/gp/vol/data', containerPath: '/data', readOnly: false },
    { hostPath: '/var/lib/gp/vol/cfg/', containerPath: '/data/config', readOnly: true },
  ];

  it('rewrites values under a containerPath, most specific mount first', () => {
    expect(rewritePath('/data', mounts)).toBe('/var/lib/gp/vol/data');
    expect(rewritePath('/data/x.txt', mounts)).toBe('/var/lib/gp/vol/data/x.txt');
    expect(rewritePath('/data/config/app.yaml', mounts)).toBe('/var/lib/gp/vol/cfg/app.yaml');
    expect(rewritePath('/database', mounts)).toBe('/database');
    expect(rewritePath('relative/data', mounts)).toBe('relative/data');
  });

  it('rewrites argv, --flag=/path values, env and the working dir, and exports hints', () => {
    const r = rewriteForLimitedMode(['/data/bin/run', '--config=/data/config/a.yaml', '-x', '/data/out', 'echo /data'], { OUT: '/data/out', OTHER: '/tmp' }, '/data', mounts);
    expect(r.argv).toEqual(['/var/lib/gp/vol/data/bin/run', '--config=/var/lib/gp/vol/cfg/a.yaml', '-x', '/var/lib/gp/vol/data/out', 'echo /data']);
    expect(r.env).toEqual({
      OUT: '/var/lib/gp/vol/data/out',
      OTHER: '/tmp',
      GITPLANE_MOUNT_0: '/data=/var/lib/gp/vol/data',
      GITPLANE_MOUNT_1: '/data/config=/var/lib/gp/vol/cfg/',
      GITPLANE_MOUNT_COUNT: '2',
    });
    expect(r.workingDir).toBe('/var/lib/gp/vol/data');
  });
});

describe('namespace wrapper script', () => {
  it('mounts parents before children, remounts read-only, sets the hostname and execs', () => {
    const s = namespaceWrapperScript({
      mounts: [
        { hostPath: '/h/cfg', containerPath: '/data/cfg', readOnly: true, isDir: true },
        { hostPath: '/h/data', containerPath: '/data', readOnly: false, isDir: true },
        { hostPath: '/h/file', containerPath: '/etc/app.conf', readOnly: false, isDir: false },
      ],
      hostname: "pod-'a'",
      resolvConf: '/run/gp/resolv.conf',
      workingDir: '/data',
      createdFile: '/state/c.created',
    });
    const lines = s.split('\n');
    const at = (l: string) => lines.indexOf(l);
    expect(at("mount --bind '/h/data' '/data'")).toBeGreaterThan(-1);
    expect(at("mount --bind '/h/data' '/data'")).toBeLessThan(at("mount --bind '/h/cfg' '/data/cfg'"));
    expect(at("mount -o remount,bind,ro '/data/cfg'")).toBe(at("mount --bind '/h/cfg' '/data/cfg'") + 1);
    expect(lines).toContain("mkf '/etc/app.conf'");
    expect(lines).toContain("mount --bind '/run/gp/resolv.conf' /etc/resolv.conf");
    expect(lines).toContain(`echo 'pod-'\\''a'\\''' > /proc/sys/kernel/hostname`);
    expect(lines).toContain("cd '/data'");
    expect(lines.at(-1)).toBe('exec "$@"');
    expect(lines[0]).toBe('set -e');
  });

  it('drops privileges with setpriv for runAsUser', () => {
    const s = namespaceWrapperScript({ mounts: [], hostname: 'h', createdFile: '/c', runAsUser: 1000 });
    expect(s.split('\n').at(-1)).toBe('exec setpriv --reuid=1000 --regid=1000 --clear-groups -- "$@"');
  });

  it('records the mount points it creates (run with mount stubbed out)', () => {
    const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    const script = namespaceWrapperScript({
      mounts: [
        { hostPath: '/h', containerPath: `${dir}/a/b/c`, readOnly: false, isDir: true },
        { hostPath: '/h', containerPath: `${dir}/f/file.txt`, readOnly: false, isDir: false },
      ],
      hostname: 'h',
      createdFile: `${dir}/created`,
    })
      .replace(/^mount .*$/gm, ':')
      .replace(/^echo .* > \/proc\/sys\/kernel\/hostname$/m, ':');
    try {
      const out = execFileSync('/bin/sh', ['-c', script, 'w', 'sh', '-c', 'echo ran'], { encoding: 'utf8' });
      expect(out).toBe('ran\n');
      expect(execFileSync('cat', [`${dir}/created`], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual([
        // Shallower mounts first; for each, the missing directories deepest first, then the file.
        `${dir}/f`,
        `${dir}/f/file.txt`,
        `${dir}/a/b/c`,
        `${dir}/a/b`,
        `${dir}/a`,
      ]);
    } finally {
      execFileSync('rm', ['-rf', dir]);
    }
  });
});
