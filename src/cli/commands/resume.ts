/** `ts-nspawn resume NAME...` */
import type { CommandDef } from '../command-line.js';

export const resumeCommand: CommandDef = {
  name: 'resume',
  summary: 'thaw a paused container',
  usage: 'NAME...',
  description: 'Let the processes of each paused container NAME run again.',
  options: [],
  positionals: { min: 1, max: Infinity },
  async run(_, names) {
    const { resumeContainer } = await import('../../runtime/freezer.js');
    for (const name of names) await resumeContainer(name);
    return 0;
  },
};
