/**
 * The `ts-nspawn` command: argument parsing only. Every verb lives in
 * commands/ and calls the library; errors of the runtime become one line on
 * stderr and exit status 125 (126/127 for a command that cannot run).
 */
import { Command, CommanderError } from 'commander';
import { ContainerError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerAttachLogs } from './commands/attach-logs.js';
import { registerBoot } from './commands/boot.js';
import { registerBootstrap } from './commands/bootstrap.js';
import { registerExec } from './commands/exec.js';
import { registerList } from './commands/list.js';
import { registerManage } from './commands/manage.js';
import { registerRun } from './commands/run.js';
import { addShNspawnForm } from './sh-nspawn-form.js';

const USAGE_ERROR = 125;

function buildProgram(exit: (status: number) => void): Command {
  const program = new Command('ts-nspawn')
    .description('Run a command or boot an operating system in a Linux container made from a root directory.')
    .usage('COMMAND [OPTIONS]   or   ts-nspawn -p DIR -b BRIDGE -a ADDR/PREFIX -r GATEWAY')
    .version(VERSION, '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true);
  registerRun(program, exit);
  registerBoot(program, exit);
  registerExec(program, exit);
  registerList(program, exit);
  registerAttachLogs(program, exit);
  registerManage(program, exit);
  registerBootstrap(program, exit);
  addShNspawnForm(program, exit);
  program.addHelpText(
    'after',
    `
Examples:
  ts-nspawn run -D /srv/tree /bin/sh -c 'echo hello from $(hostname)'
  ts-nspawn boot -D /var/lib/machines/debian --network-bridge br0 --address 10.0.0.2/24 --gateway 10.0.0.1
  ts-nspawn -p /var/lib/machines/debian -b br0 -a 10.0.0.2/24 -r 10.0.0.1

Exit status: the command's (128+N if it died of signal N); 125 when ts-nspawn itself
failed; 126 if the command cannot be executed; 127 if it was not found.`,
  );
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let status: number | undefined;
  const program = buildProgram((code) => (status = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return status ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      process.stderr.write(`ts-nspawn: ${error.message.replace(/^error: /, '')} (see ts-nspawn --help)\n`);
      return USAGE_ERROR;
    }
    if (error instanceof ContainerError) {
      process.stderr.write(`ts-nspawn: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`ts-nspawn: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return USAGE_ERROR;
  }
}

void main(process.argv.slice(2)).then((status) => process.exit(status));
