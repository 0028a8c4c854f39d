/**
 * `kill [--all] ID [SIGNAL]` (default SIGTERM; names with or without SIG,
 * or numbers), as runc: a created container is signalled too (its init
 * waits at the start barrier with signals unblocked, so SIGTERM ends it);
 * a stopped one is "not running", except with --all, which then has
 * nothing left to signal and succeeds.
 */
import { parseSignal } from '../../cli/parse-values.js';
import { ContainerError } from '../../errors.js';
import { checkId } from '../bundle.js';
import type { RuncCommand } from '../command.js';

export const killCommand: RuncCommand = {
  name: 'kill',
  usage: 'kill [--all] ID [SIGNAL]',
  summary: 'send a signal to the container process (or with --all, every process)',
  options: { all: { type: 'boolean', short: 'a' } },
  positionals: { min: 1, max: 2 },
  async run(values, [id = '', signalName = 'SIGTERM']) {
    const signal = parseSignal(signalName);
    const [{ requireContainer, signalContainer }, { initProblem }] = await Promise.all([
      import('../../runtime/lifecycle.js'),
      import('../../runtime/container-processes.js'),
    ]);
    const record = await requireContainer(checkId(id));
    const all = values.all === true;
    if (record.status === 'stopped' || record.status === 'creating' || initProblem(record.init)) {
      if (all && record.status === 'stopped') return 0;
      throw new ContainerError('container not running', { code: 'not-running' });
    }
    signalContainer(record, signal, all);
    return 0;
  },
};
