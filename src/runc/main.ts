/**
 * `ts-runc`: the runc-compatible command line over ts-nspawn's runtime,
 * for container engines (podman, containerd, CRI-O). Global options come
 * before the command, as runc takes them:
 *
 *   ts-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug]
 *           [--systemd-cgroup] COMMAND [OPTIONS] ARGS
 *
 * State lives in --root (default /run/ts-runc), apart from ts-nspawn's.
 * Errors go to stderr (and --log) as runc writes them; the exit status of
 * a failure is 1, as runc's.
 */
import { parseArgs } from 'node:util';
import { print } from '../cli/output.js';
import { ContainerError } from '../errors.js';
import { OCI_VERSION } from '../oci/types.js';
import { VERSION } from '../version.js';
import { RuncFailure, runcMessage, type RuncCommand } from './command.js';
import { createCommand } from './commands/create.js';
import { deleteCommand } from './commands/delete.js';
import { eventsCommand } from './commands/events.js';
import { execCommand } from './commands/exec.js';
import { featuresCommand } from './commands/features.js';
import { killCommand } from './commands/kill.js';
import { listCommand } from './commands/list.js';
import { pauseCommand, resumeCommand } from './commands/pause.js';
import { psCommand } from './commands/ps.js';
import { runCommand } from './commands/run.js';
import { specCommand } from './commands/spec.js';
import { startCommand } from './commands/start.js';
import { stateCommand } from './commands/state.js';
import { updateCommand } from './commands/update.js';
import { configureLog, logError, logWarning } from './log.js';
import { noteStartFds } from './preserved-fds.js';
import { setHookWarningSink } from '../runtime/hooks.js';

const COMMANDS: RuncCommand[] = [
  createCommand, startCommand, stateCommand, killCommand, deleteCommand, runCommand, execCommand, psCommand, pauseCommand, resumeCommand,
  eventsCommand, listCommand, specCommand, featuresCommand, updateCommand,
];

const DEFAULT_ROOT = '/run/ts-runc';

/** Global options that take a value, and those that do not. */
const GLOBAL_VALUES = new Set(['root', 'log', 'log-format', 'criu', 'rootless']);
const GLOBAL_SWITCHES = new Set(['debug', 'systemd-cgroup', 'version', 'help']);

interface Globals {
  values: Map<string, string | true>;
  rest: string[];
}

/** The global options up to the command word. */
function splitGlobals(args: string[]): Globals {
  const values = new Map<string, string | true>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-v') values.set('version', true);
    else if (arg === '-h') values.set('help', true);
    else if (!arg.startsWith('--')) break;
    else {
      const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
      if (GLOBAL_SWITCHES.has(name)) values.set(name, true);
      else if (GLOBAL_VALUES.has(name)) {
        const value = inline ?? args[++i];
        if (value === undefined) throw new ContainerError(`flag needs an argument: --${name}`);
        values.set(name, value);
      } else throw new ContainerError(`flag provided but not defined: -${name}`);
    }
  }
  return { values, rest: args.slice(i) };
}

function usage(): string {
  return `ts-runc: an OCI runtime (runc's command line) over ts-nspawn

Usage: ts-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [OPTIONS] ARGS

Commands:
${COMMANDS.map((command) => `  ${command.usage}\n      ${command.summary}`).join('\n')}

State directory: --root (default ${DEFAULT_ROOT}).
`;
}

function parseCommandArgs(command: RuncCommand, args: string[]): { values: Record<string, unknown>; positionals: string[] } {
  // exec and ps: options end at the container ID, as runc's do; what follows is the command's own.
  let trailing: string[] = [];
  if (command.trailing) {
    const { tokens } = parseArgs({ args, options: command.options, strict: false, allowPositionals: true, tokens: true });
    const first = tokens.find((token) => token.kind === 'positional');
    if (first) {
      trailing = args.slice(first.index + 1);
      args = args.slice(0, first.index + 1);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: command.options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ContainerError(`${command.name}: ${(error as Error).message.split('\n')[0]}`);
  }
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min) throw new ContainerError(`${command.name}: missing argument (usage: ts-runc ${command.usage})`);
  if (parsed.positionals.length > max) throw new ContainerError(`${command.name}: unexpected argument ${JSON.stringify(parsed.positionals[max])}`);
  return { values: parsed.values, positionals: [...parsed.positionals, ...trailing] };
}

export async function main(args: string[]): Promise<number> {
  // Before anything is opened: which descriptors the caller gave us.
  if (args.some((arg) => arg.startsWith('--preserve-fds'))) noteStartFds();
  try {
    const { values, rest } = splitGlobals(args);
    configureLog({
      file: typeof values.get('log') === 'string' ? (values.get('log') as string) : undefined,
      format: values.get('log-format') === 'json' ? 'json' : 'text',
      debug: values.has('debug'),
    });
    if (values.has('version')) {
      print(`ts-runc version ${VERSION}\nspec: ${OCI_VERSION}\n`);
      return 0;
    }
    const [name, ...commandArgs] = rest;
    if (values.has('help') || name === undefined || name === 'help') {
      print(usage());
      return 0;
    }
    setHookWarningSink(logWarning);
    if (values.has('systemd-cgroup')) logWarning('--systemd-cgroup is not supported: cgroups are managed through cgroupfs');
    const root = values.get('root');
    // The runtime's state store reads its directory from here.
    process.env.TS_NSPAWN_STATE_DIR = typeof root === 'string' ? root : DEFAULT_ROOT;
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (!command) throw new ContainerError(`No help topic for '${name}'`);
    const parsed = parseCommandArgs(command, commandArgs);
    return await command.run(parsed.values as never, parsed.positionals, { root: process.env.TS_NSPAWN_STATE_DIR });
  } catch (error) {
    logError(error instanceof ContainerError ? runcMessage(error) : `internal error: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof RuncFailure ? error.status : 1;
  }
}

void main(process.argv.slice(2)).then((status) => process.exit(status));
