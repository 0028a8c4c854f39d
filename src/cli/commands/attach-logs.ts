/** `ts-nspawn attach NAME` and `ts-nspawn logs NAME [-f] [-n LINES]` */
import type { Command } from 'commander';
import { attachConsole } from '../../runtime/attach.js';
import { followLog, readLog } from '../../runtime/logs.js';
import { consoleHint } from '../foreground.js';
import { parseNonNegative } from '../parse-values.js';

export function registerAttachLogs(program: Command, exit: (status: number) => void): void {
  program
    .command('attach')
    .summary('the console of a detached container')
    .description('Connect this terminal to the console of a detached container. Ctrl-] three times within 1s detaches, the container goes on.')
    .argument('<name>', 'machine name')
    .action(async (name: string) => {
      consoleHint(true, 'detach');
      exit(await attachConsole(name));
    });
  program
    .command('logs')
    .summary('what a detached container wrote')
    .description('Print what a detached container wrote to its console or stdout/stderr (kept until rm).')
    .argument('<name>', 'machine name')
    .option('-f, --follow', 'keep printing new output until the container stops')
    .option('-n, --lines <count>', 'only the last COUNT lines')
    .action(async (name: string, flags: { follow?: boolean; lines?: string }) => {
      const lines = flags.lines === undefined ? undefined : Math.floor(parseNonNegative(flags.lines, '--lines'));
      const { text, offset } = await readLog(name, lines);
      process.stdout.write(text);
      if (flags.follow) await followLog(name, offset, (chunk) => process.stdout.write(chunk));
      exit(0);
    });
}
