// kubectl-style tables: upper-case headers, columns padded to the widest cell
// (measured without ANSI colour codes), three spaces between columns, no
// trailing blanks. An empty table prints nothing but the caller's own message.

export interface TableOptions {
  /** Spaces between columns (default 3, as kubectl). */
  gap?: number;
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Length of a string as shown on a terminal (colour codes do not count). */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

export function renderTable(headers: string[], rows: Array<Array<string | number | undefined>>, opts: TableOptions = {}): string {
  const gap = ' '.repeat(opts.gap ?? 3);
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => cellText(r[i])))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => visibleLength(r[i]!))));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c))))
        .join(gap)
        .trimEnd(),
    )
    .join('\n');
}

function cellText(v: string | number | undefined): string {
  if (v === undefined || v === '') return '';
  return String(v).replace(/\s*\n\s*/g, ' ');
}
