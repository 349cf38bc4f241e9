// Newline-delimited bodies (watch events, followed logs) arrive in chunks that
// split lines, and even multi-byte characters, anywhere.

import { StringDecoder } from 'node:string_decoder';

/**
 * The lines of a UTF-8 byte stream, without their "\n" (and a trailing "\r").
 * A last line without a newline is yielded when the stream ends.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string, void, undefined> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield trimCR(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.end();
  if (pending !== '') yield trimCR(pending);
}

function trimCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
