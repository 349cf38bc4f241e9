// How render errors read for humans ("file:line: field: message"), and the error shape
// used inside render before a file name is attached (parse results are cached by blob,
// and one blob may live at several paths).

import type { RenderError } from '../types.js';

/** A RenderError without its file: what a cached parse of a blob can know. */
export type LocalError = Omit<RenderError, 'file'>;

/** `${file}:${line}: ${field}: ${message}`, leaving out the parts that are not known. */
export function formatRenderError(e: RenderError): string {
  const where = e.line === undefined ? e.file : `${e.file}:${e.line}`;
  return e.field ? `${where}: ${e.field}: ${e.message}` : `${where}: ${e.message}`;
}

export function atFile(file: string, e: LocalError): RenderError {
  const out: RenderError = { file, message: e.message };
  if (e.line !== undefined) out.line = e.line;
  if (e.field) out.field = e.field;
  return out;
}
