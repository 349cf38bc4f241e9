// What every gitplane verb shares: usage errors exit 2, the connection flags,
// an Examples section in --help, and one runner that connects, runs the verb
// and turns server, connection and kubeconfig errors into one clear line.

import { CommanderError, type Command } from 'commander';
import { isStatusError } from '../api/status.js';
import { connect, ConnectionError, describeUnreachable, isUnreachable, type Connection, type ConnectionFlags } from './connect.js';
import { CliExit, EXIT, fail, terminal, type Terminal } from './output.js';

const USAGE_CODES = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.conflictingOption',
  'commander.invalidArgument',
  'commander.excessArguments',
  'gitplane.usage',
]);

/** The exit code for a commander error: usage errors are 2, --help and --version keep 0. */
export function exitCodeFor(err: CommanderError): number {
  if (USAGE_CODES.has(err.code)) return EXIT.USAGE;
  if (err.code === 'commander.help' && err.exitCode !== 0) return EXIT.USAGE; // a group called without a verb
  return err.exitCode;
}

/** exitOverride callback: rethrow with the usage exit code (inherited by subcommands created afterwards). */
export function usageExit(err: CommanderError): never {
  const code = exitCodeFor(err);
  if (code === err.exitCode) throw err;
  throw new CommanderError(code, err.code, err.message);
}

/** A usage error found after parsing (bad combination of flags): prints like commander and exits 2. */
export function usageError(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: EXIT.USAGE, code: 'gitplane.usage' });
  throw new CliExit(EXIT.USAGE, message); // not reached: error() throws through exitOverride
}

export function addConnectionFlags(cmd: Command, namespaceHelp = 'namespace of the Application (default "gitplane-system")'): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig file (default $KUBECONFIG, ./.gitplane/kubeconfig, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', namespaceHelp);
}

/** Append an "Examples:" section to the command's --help. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => (l.startsWith('#') || l === '' ? `  ${l}` : `  $ ${l}`)).join('\n')}\n`);
}

export interface Context {
  term: Terminal;
  conn: Connection;
}

/** Connect, run `fn`, close; errors become one line and exit 1 (CliExit passes through). */
export async function withClient(flags: ConnectionFlags, fn: (ctx: Context) => Promise<void>, term: Terminal = terminal()): Promise<void> {
  let conn: Connection;
  try {
    conn = connect(flags);
  } catch (err) {
    if (err instanceof ConnectionError) fail(term, err.message);
    throw err;
  }
  try {
    await fn({ term, conn });
  } catch (err) {
    if (err instanceof CommanderError) throw err;
    if (isUnreachable(err)) fail(term, describeUnreachable(err, conn.server));
    if (isStatusError(err)) fail(term, `Error from server (${err.reason}): ${err.message}`);
    throw err;
  } finally {
    conn.close();
  }
}
