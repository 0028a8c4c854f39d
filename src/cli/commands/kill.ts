/** `ts-nspawn kill [--all] NAME [SIGNAL]` */
import { option, type CommandDef } from '../command-line.js';
import { parseSignal } from '../parse-values.js';

export const killCommand: CommandDef = {
  name: 'kill',
  summary: 'send a signal to a container',
  usage: '[--all] NAME [SIGNAL]',
  description: "Send SIGNAL (default TERM; a name like HUP or RTMIN+3, or a number) to the container's PID 1, or with --all to all its processes.",
  options: [option('all', 'signal every process of the container')],
  positionals: { min: 1, max: 2 },
  async run(flags, [name = '', signal = 'TERM']) {
    const number = parseSignal(signal);
    const { killContainer } = await import('../../runtime/lifecycle.js');
    await killContainer(name, number, flags.all === true);
    return 0;
  },
};
