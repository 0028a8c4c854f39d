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
    const [{ requireContainer }, { isPaused }] = await Promise.all([import('../../runtime/lifecycle.js'), import('../../runtime/freezer.js')]);
    const record = await requireContainer(checkId(id));
    // runc starts only a created container (a stopped one is not started again), in runc's words.
    if (isPaused(record)) throw new ContainerError('cannot start a container in the paused state');
    if (record.status === 'running') throw new ContainerError('cannot start an already running container');
    if (record.status === 'stopped') throw new ContainerError('cannot start a container that has stopped');
    if (record.status !== 'created') throw new ContainerError(`cannot start a container in the ${record.status} state`);
    const { startCreated } = await import('../../runtime/start.js');
    await startCreated(id);
    return 0;
  },
};
