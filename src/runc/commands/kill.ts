/** `kill [--all] ID [SIGNAL]` (default SIGTERM; names with or without SIG, or numbers). */
import { parseSignal } from '../../cli/parse-values.js';
import { checkId } from '../bundle.js';
import type { RuncCommand } from '../command.js';

export const killCommand: RuncCommand = {
  name: 'kill',
  usage: 'kill [--all] ID [SIGNAL]',
  summary: 'send a signal to the container process (or with --all, every process)',
  options: { all: { type: 'boolean', short: 'a' } },
  positionals: { min: 1, max: 2 },
  async run(values, [id = '', signal = 'SIGTERM']) {
    const { killContainer } = await import('../../runtime/lifecycle.js');
    await killContainer(checkId(id), parseSignal(signal), values.all === true);
    return 0;
  },
};
