// How the CLI talks to the terminal: colour only on a TTY without NO_COLOR, the
// -o table|wide|yaml|json formats, and exit codes (0 ok, 1 failure or diff found,
// 2 usage, 3 timeout) carried to main() as CommanderErrors. Tables and the
// progress spinner live in table.ts and progress.ts.

import { CommanderError, Option } from 'commander';
import { stringify } from 'yaml';

export { renderTable, visibleLength, type TableOptions } from './table.js';
export { startProgress, type Progress, type ProgressOptions } from './progress.js';

export const EXIT = { OK: 0, FAILURE: 1, DIFFERENCES: 1, USAGE: 2, TIMEOUT: 3 } as const;

/** Ends the command with an exit code; main() returns err.exitCode without printing anything. */
export class CliExit extends CommanderError {
  constructor(exitCode: number, message = '') {
    super(exitCode, 'gitplane.exit', message);
    this.name = 'CliExit';
  }
}

export interface Terminal {
  /** Print a line (or lines) on stdout. */
  out(text: string): void;
  /** Print a line on stderr. */
  err(text: string): void;
  /** stdout is a terminal. */
  readonly tty: boolean;
  /** stderr is a terminal (spinners go there, so -o json on stdout stays clean). */
  readonly errTty: boolean;
  readonly color: boolean;
  readonly style: Style;
}

interface StreamLike {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

/** Colour when the stream is a TTY, NO_COLOR is unset (or empty) and TERM is not "dumb". */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export function terminal(opts: { stdout?: StreamLike; stderr?: StreamLike; env?: NodeJS.ProcessEnv; color?: boolean } = {}): Terminal {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const color = opts.color ?? colorEnabled(stdout, opts.env);
  return {
    out: (text) => void stdout.write(`${text}\n`),
    err: (text) => void stderr.write(`${text}\n`),
    tty: stdout.isTTY === true,
    errTty: stderr.isTTY === true,
    color,
    style: makeStyle(color),
  };
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  /** Colour a status word by what it means: Synced/Healthy/Succeeded green, Failed/Degraded red, … */
  status(s: string | undefined): string;
}

const GOOD = new Set(['Synced', 'Healthy', 'Succeeded', 'created', 'configured', 'Pruned', 'pruned', 'live']);
const BAD = new Set(['Failed', 'Error', 'Degraded', 'Missing', 'SyncFailed', 'failed', 'ComparisonError', 'SyncError', 'InvalidSpecError']);
const WARN = new Set(['OutOfSync', 'Progressing', 'Running', 'PruneSkipped', 'Terminating', 'pending', 'SyncWarning', 'Suspended']);

export function makeStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (color && s ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  const style: Style = {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    status: (s) => {
      const text = s ?? '';
      if (GOOD.has(text)) return style.green(text);
      if (BAD.has(text)) return style.red(text);
      if (WARN.has(text)) return style.yellow(text);
      return text;
    },
  };
  return style;
}

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json';

/** The -o/--output option, limited to `formats`; a bad value is a usage error (exit 2). */
export function outputOption(formats: OutputFormat[] = ['table', 'wide', 'yaml', 'json']): Option {
  return new Option('-o, --output <format>', 'output format').choices(formats).default('table');
}

/** yaml or json text of any value. */
export function formatStructured(value: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : stringify(value, { lineWidth: 0 }).trimEnd();
}

/** Print `gitplane: message` on stderr and end the command with `exitCode`. */
export function fail(term: Terminal, message: string, exitCode: number = EXIT.FAILURE): never {
  term.err(`gitplane: ${message}`);
  throw new CliExit(exitCode, message);
}

/** The first line of a (commit) message. */
export function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n', 1)[0]!.trim();
}

/** At most `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}
