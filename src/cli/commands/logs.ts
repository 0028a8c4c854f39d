/** `ts-nspawn logs [-f] [-n LINES] NAME` */
import { option, type CommandDef } from '../command-line.js';
import { print } from '../output.js';
import { parseNonNegative } from '../parse-values.js';

export const logsCommand: CommandDef = {
  name: 'logs',
  summary: 'what a detached container wrote',
  usage: '[-f] [-n LINES] NAME',
  description: 'Print what a detached container wrote to its console or stdout/stderr (kept until rm).',
  options: [
    option('follow', 'keep printing new output until the container stops', { short: 'f' }),
    option('lines', 'only the last LINES lines', { short: 'n', value: 'LINES' }),
  ],
  positionals: { min: 1, max: 1 },
  async run(flags, [name = '']) {
    const lines = typeof flags.lines === 'string' ? Math.floor(parseNonNegative(flags.lines, '--lines')) : undefined;
    const { followLog, readLog } = await import('../../runtime/logs.js');
    const { text, offset } = await readLog(name, lines);
    print(text);
    if (flags.follow) await followLog(name, offset, print);
    return 0;
  },
};
