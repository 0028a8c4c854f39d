/** `ts-nspawn stop [--timeout S] NAME` */
import { option, type CommandDef } from '../command-line.js';
import { parseNonNegative } from '../parse-values.js';

export const stopCommand: CommandDef = {
  name: 'stop',
  summary: 'stop a container gracefully',
  usage: '[--timeout SECONDS] NAME',
  description: 'Ask PID 1 to stop (SIGRTMIN+3 to a booted systemd, SIGTERM to others); SIGKILL after the time-out (default 10 s).',
  options: [option('timeout', 'seconds to wait before SIGKILL', { value: 'SECONDS' })],
  positionals: { min: 1, max: 1 },
  async run(flags, [name = '']) {
    const { stopContainer } = await import('../../runtime/lifecycle.js');
    await stopContainer(name, typeof flags.timeout === 'string' ? parseNonNegative(flags.timeout, '--timeout') : 10);
    return 0;
  },
};
