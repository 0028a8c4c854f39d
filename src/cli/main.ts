/**
 * The `ts-nspawn` command: finds the verb, parses its arguments (see
 * command-line.ts) and runs it. Errors of the runtime become one line on
 * stderr and exit status 125 (126/127 for a command that cannot run).
 */
import { print, printError } from './output.js';
import { ContainerError } from '../errors.js';
import { oneLine, quote } from '../quote.js';
import { VERSION } from '../version.js';
import { isRootless } from '../rootless/mode.js';
import { commandHelp, optionLines, parseCommand, UsageError, type CommandDef } from './command-line.js';
import { attachCommand } from './commands/attach.js';
import { bootCommand } from './commands/boot.js';
import { bootstrapCommand } from './commands/bootstrap.js';
import { cleanupCommand } from './commands/cleanup.js';
import { createCommand } from './commands/create.js';
import { execCommand } from './commands/exec.js';
import { gcCommand } from './commands/gc.js';
import { killCommand } from './commands/kill.js';
import { listCommand } from './commands/list.js';
import { logsCommand } from './commands/logs.js';
import { pauseCommand } from './commands/pause.js';
import { resumeCommand } from './commands/resume.js';
import { rmCommand } from './commands/rm.js';
import { runCommand } from './commands/run.js';
import { startCommand } from './commands/start.js';
import { statsCommand } from './commands/stats.js';
import { statusCommand } from './commands/status.js';
import { stopCommand } from './commands/stop.js';
import { updateCommand } from './commands/update.js';
import { shNspawnForm } from './sh-nspawn-form.js';

const COMMANDS: CommandDef[] = [
  runCommand,
  bootCommand,
  createCommand,
  startCommand,
  execCommand,
  listCommand,
  statusCommand,
  statsCommand,
  attachCommand,
  logsCommand,
  stopCommand,
  killCommand,
  updateCommand,
  pauseCommand,
  resumeCommand,
  rmCommand,
  gcCommand,
  bootstrapCommand,
  cleanupCommand,
];

function mainHelp(): string {
  const visible = COMMANDS.filter((command) => !command.hidden);
  const width = Math.max(...visible.map((command) => command.name.length)) + 4;
  return `Usage: ts-nspawn COMMAND [OPTIONS]
       ts-nspawn -p DIR -b BRIDGE -a ADDR/PREFIX -r GATEWAY   (the sh-nspawn form)

Run a command or boot an operating system in a Linux container made from a
root directory.

Commands:
${visible.map((command) => `  ${command.name.padEnd(width)}${command.summary}`).join('\n')}

The sh-nspawn form:
${optionLines(shNspawnForm.options).join('\n')}

Examples:
  ts-nspawn run -D /srv/tree /bin/sh -c 'echo hello from $(hostname)'
  ts-nspawn boot -D /var/lib/machines/debian --network-bridge br0 --address 10.0.0.2/24 --gateway 10.0.0.1
  ts-nspawn -p /var/lib/machines/debian -b br0 -a 10.0.0.2/24 -r 10.0.0.1

Exit status: the command's (128+N if it died of signal N); 125 when ts-nspawn
itself failed; 126 if the command cannot be executed; 127 if it was not found.
Run 'ts-nspawn COMMAND --help' for a command's options.
`;
}

function findCommand(args: string[]): { command: CommandDef; rest: string[] } {
  const [first = '', ...rest] = args;
  if (first.startsWith('-')) return { command: shNspawnForm, rest: args };
  const command = COMMANDS.find((candidate) => candidate.name === first);
  if (!command) throw new UsageError(`unknown command ${quote(first)}: see ts-nspawn --help`);
  return { command, rest };
}

/**
 * Node and Bun decode argv as UTF-8, replacing bytes that are not with
 * U+FFFD: such an argument (a Latin-1 file name, say) would silently name
 * something else, so it is refused, naming it.
 */
function checkArguments(args: string[]): void {
  const index = args.findIndex((arg) => arg.includes('\ufffd'));
  if (index >= 0) {
    throw new ContainerError(`argument ${index + 1} ${quote(args[index])} is not valid UTF-8 text: ts-nspawn takes names, paths and arguments as UTF-8`, {
      code: 'invalid-argument',
    });
  }
}

export async function main(args: string[]): Promise<number> {
  try {
    checkArguments(args);
    if (args.length === 0) throw new UsageError('no command given: use run, boot, ... or the sh-nspawn form (see ts-nspawn --help)');
    if (args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
      print(mainHelp());
      return 0;
    }
    if (args[0] === '--version') {
      print(`ts-nspawn ${VERSION}\n`);
      return 0;
    }
    const { command, rest } = findCommand(args);
    const parsed = parseCommand(command, rest);
    if (parsed.flags.help) {
      print(command === shNspawnForm ? mainHelp() : commandHelp(command));
      return 0;
    }
    if (command.cgroup && isRootless()) {
      const { enterUserScope } = await import('../rootless/scope.js');
      enterUserScope(command.cgroup, args);
    }
    return await command.run(parsed.flags, parsed.positionals, parsed.command);
  } catch (error) {
    // One line whatever the message holds; a stack trace only when asked for.
    if (error instanceof ContainerError) {
      printError(`ts-nspawn: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    printError(`ts-nspawn: internal error: ${oneLine(message)}${process.env.TS_NSPAWN_DEBUG ? '' : ' (TS_NSPAWN_DEBUG=1 shows where)'}\n`);
    if (process.env.TS_NSPAWN_DEBUG && error instanceof Error) printError(`${error.stack}\n`);
    return 125;
  }
}

void main(process.argv.slice(2)).then((status) => process.exit(status));
