import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHeader, parsePax, readTar, TarParser } from '../../../../src/node/images/tar.js';

const dir = mkdtempSync(join(tmpdir(), 'gp-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function header(name: string, size: number, type = '0'): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0);
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  b.write('00000000000\0', 136);
  b.write(type, 156);
  b.write('ustar\0', 257);
  b.write('00', 263);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return b;
}

describe('tar headers', () => {
  it('parses a ustar header and checks its checksum', () => {
    expect(parseHeader(header('etc/passwd', 42))).toEqual({ name: 'etc/passwd', linkname: '', size: 42, mode: 0o644, typeflag: '0' });
    const bad = header('x', 1);
    bad[0] = 0x79;
    expect(() => parseHeader(bad)).toThrow(/checksum/);
    expect(parseHeader(Buffer.alloc(512))).toBeUndefined();
  });

  it('parses pax records', () => {
    const rec = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = body.length + 1;
      while (String(len).length + body.length !== len) len = String(len).length + body.length;
      return `${len}${body}`;
    };
    expect(parsePax(Buffer.from(rec('path', 'a/very/long/name') + rec('linkpath', 'x')))).toEqual({ path: 'a/very/long/name', linkpath: 'x' });
  });

  it('streams members across arbitrary chunk boundaries, with data on demand', () => {
    const data = Buffer.from('hello world');
    const archive = Buffer.concat([header('a.txt', data.length), data, Buffer.alloc(512 - data.length), header('dir/', 0, '5'), Buffer.alloc(1024)]);
    const seen: Array<[string, string, string | undefined]> = [];
    const p = new TarParser((e, d) => seen.push([e.name, e.type, d?.toString()]), () => true);
    for (let i = 0; i < archive.length; i += 7) p.push(archive.subarray(i, i + 7));
    expect(seen).toEqual([
      ['a.txt', 'file', 'hello world'],
      ['dir/', 'directory', undefined],
    ]);
    expect(p.ended).toBe(true);
  });
});

describe('readTar on archives made by the tar CLI', () => {
  const src = join(dir, 'src');
  const long = `${'d'.repeat(80)}/${'e'.repeat(80)}/${'f'.repeat(60)}.txt`;
  mkdirSync(join(src, 'd'.repeat(80), 'e'.repeat(80)), { recursive: true });
  writeFileSync(join(src, long), 'long');
  writeFileSync(join(src, '.wh.gone'), '');
  symlinkSync('target', join(src, 'link'));

  for (const format of ['gnu', 'posix', 'ustar']) {
    it(`lists ${format} members with long names and symlinks (plain and gzip)`, async () => {
      const tar = join(dir, `${format}.tar`);
      const args = ['-C', src, '.'];
      // ustar cannot hold the long name: just the rest.
      const files = format === 'ustar' ? ['-C', src, '.wh.gone', 'link'] : args;
      execFileSync('tar', [`--format=${format}`, '-cf', tar, ...files]);
      execFileSync('sh', ['-c', `gzip -c ${tar} > ${tar}.gz`]);
      for (const path of [tar, `${tar}.gz`]) {
        const entries = (await readTar(path, (n) => n.endsWith('.txt'))).map((e) => ({ ...e.entry, data: e.data?.toString() }));
        const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e]));
        expect(byName.get('link')).toMatchObject({ type: 'symlink', linkname: 'target' });
        expect(byName.get('.wh.gone')).toMatchObject({ type: 'file', size: 0 });
        if (format !== 'ustar') expect(byName.get(long)).toMatchObject({ type: 'file', size: 4, data: 'long' });
      }
    });
  }
});
