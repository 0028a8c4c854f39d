/** `ts-nspawn pause NAME...` */
import type { CommandDef } from '../command-line.js';

export const pauseCommand: CommandDef = {
  name: 'pause',
  summary: 'freeze every process of a container',
  usage: 'NAME...',
  description: "Freeze every process of each container NAME through its cgroup's freezer (list shows it paused) until `resume`.",
  options: [],
  positionals: { min: 1, max: Infinity },
  async run(_, names) {
    const { pauseContainer } = await import('../../runtime/freezer.js');
    for (const name of names) await pauseContainer(name);
    return 0;
  },
};
