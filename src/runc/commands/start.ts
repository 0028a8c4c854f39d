/** `start ID`: the created container's process runs its command. */
import { ContainerError } from '../../errors.js';
import { checkId } from '../bundle.js';
import type { RuncCommand } from '../command.js';

export const startCommand: RuncCommand = {
  name: 'start',
  usage: 'start ID',
  summary: 'start a created container',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(_, [id = '']) {
    const { requireContainer } = await import('../../runtime/lifecycle.js');
    const record = await requireContainer(checkId(id));
    // runc starts only a created container (a stopped one is not started again).
    if (record.status !== 'created') throw new ContainerError(`cannot start a container that is ${record.status}`);
    const { startCreated } = await import('../../runtime/start.js');
    await startCreated(id);
    return 0;
  },
};
