/** `ts-nspawn rm [-f] NAME...` */
import { option, type CommandDef } from '../command-line.js';

export const rmCommand: CommandDef = {
  name: 'rm',
  summary: 'forget a stopped container',
  usage: '[-f] NAME...',
  description: 'Remove a stopped container and its log; -f stops (kills) it first.',
  options: [option('force', 'kill it first if it runs', { short: 'f' })],
  positionals: { min: 1, max: Infinity },
  async run(flags, names) {
    const { removeContainer } = await import('../../runtime/lifecycle.js');
    for (const name of names) await removeContainer(name, flags.force === true);
    return 0;
  },
};
