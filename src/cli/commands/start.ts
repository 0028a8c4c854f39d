/** `ts-nspawn start NAME...` */
import type { CommandDef } from '../command-line.js';

export const startCommand: CommandDef = {
  name: 'start',
  cgroup: 'create',
  summary: 'start a created (or stopped detached) container',
  usage: 'NAME...',
  description:
    'Let a created container run its command; a stopped detached container is started again from its stored ' +
    'configuration, under the same name, keeping its log.',
  options: [],
  positionals: { min: 1, max: Infinity },
  async run(_, names) {
    const { startCreated } = await import('../../runtime/start.js');
    for (const name of names) await startCreated(name);
    return 0;
  },
};
