// Splitting newline-delimited bodies that arrive in arbitrary chunks.

import { describe, expect, it } from 'vitest';
import { splitLines } from '../../../src/client/transport/lines.js';

async function* chunksOf(...parts: Array<Buffer | string>): AsyncGenerator<Buffer> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}

async function lines(...parts: Array<Buffer | string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of splitLines(chunksOf(...parts))) out.push(line);
  return out;
}

describe('splitLines', () => {
  it('joins lines split across chunks and splits chunks holding several lines', async () => {
    expect(await lines('{"a":', '1}\n{"b"', ':2}\n{"c":3}\n')).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(await lines('x\ny\nz\n')).toEqual(['x', 'y', 'z']);
  });

  it('keeps multi-byte characters whole when a chunk ends inside one', async () => {
    const bytes = Buffer.from('grüß ✓ 😀\nnext\n', 'utf8');
    const oneByteChunks = [...bytes].map((b) => Buffer.from([b]));
    expect(await lines(...oneByteChunks)).toEqual(['grüß ✓ 😀', 'next']);
  });

  it('yields a last line without a newline, strips \\r, and keeps empty lines', async () => {
    expect(await lines('a\r\n', '\n', 'tail')).toEqual(['a', '', 'tail']);
    expect(await lines()).toEqual([]);
  });
});
