/** `ts-nspawn gc` */
import type { CommandDef } from '../command-line.js';
import { print } from '../output.js';

export const gcCommand: CommandDef = {
  name: 'gc',
  summary: 'remove stopped and crashed containers',
  usage: '',
  description: 'Find containers whose processes are gone (stopped, or crashed monitors), release what they left on the host and forget them.',
  options: [],
  async run() {
    const { collectGarbage } = await import('../../runtime/lifecycle.js');
    for (const name of await collectGarbage()) print(`removed ${name}\n`);
    return 0;
  },
};
