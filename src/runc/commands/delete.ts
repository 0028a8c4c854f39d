/** `delete [--force] ID`: a stopped (or created) container forgotten, its cgroup released; --force kills a running one first. */
import { ContainerError } from '../../errors.js';
import { checkId } from '../bundle.js';
import type { RuncCommand } from '../command.js';

export const deleteCommand: RuncCommand = {
  name: 'delete',
  usage: 'delete [--force] ID',
  summary: 'delete a container and what it holds on the host',
  options: { force: { type: 'boolean', short: 'f' } },
  positionals: { min: 1, max: 1 },
  async run(values, [id = '']) {
    const force = values.force === true;
    const { reconcile, removeContainer } = await import('../../runtime/lifecycle.js');
    const record = await reconcile(checkId(id));
    if (!record) {
      // Engines delete with --force to make sure: nothing there is fine then.
      if (force) return 0;
      throw new ContainerError(`container does not exist: ${id}`);
    }
    if (record.status === 'running' && !force) {
      throw new ContainerError(`cannot delete container ${id} that is not stopped: ${record.status}`);
    }
    await removeContainer(id, force);
    return 0;
  },
};
