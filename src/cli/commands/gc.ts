/** `ts-nspawn gc` */
import type { CommandDef } from '../command-line.js';
import { print, printError } from '../output.js';
import { oneLine } from '../../quote.js';

export const gcCommand: CommandDef = {
  name: 'gc',
  summary: 'remove stopped and crashed containers',
  usage: '',
  description: 'Find containers whose processes are gone (stopped, or crashed monitors), release what they left on the host and forget them.',
  options: [],
  async run() {
    const { collectGarbage } = await import('../../runtime/lifecycle.js');
    const kept = (_: string, why: string) => printError(`ts-nspawn: kept: ${oneLine(why)}\n`);
    for (const name of await collectGarbage(kept)) print(`removed ${name}\n`);
    return 0;
  },
};
