/** `delete [--force] ID`: a stopped (or created) container forgotten, its cgroup released; --force kills a running one first. */
import { dirname } from 'node:path';
import { removeIfEmpty } from '../../cgroups/files.js';
import { ContainerError } from '../../errors.js';
import type { Spec } from '../../oci/types.js';
import { isPaused } from '../../runtime/freezer.js';
import { readStoredSpec } from '../../state/store.js';
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
      throw new ContainerError('container does not exist', { code: 'not-found' });
    }
    if (record.status === 'running' && !force) {
      throw new ContainerError(`cannot delete container ${id} that is not stopped: ${isPaused(record) ? 'paused' : record.status}`);
    }
    const engineCgroups = engineCgroupDirectories(id, record.cgroups);
    await removeContainer(id, force);
    for (const directory of engineCgroups) removeIfEmpty(directory);
    return 0;
  },
};

/**
 * The engine's `linux.cgroupsPath` is, for the engine, the container's
 * cgroup (the runtime's own sits below it, in ts-nspawn/ID), and runc
 * removes it on delete: so does this, where it is empty. Without a
 * cgroupsPath, that place is the hierarchy root: nothing to remove.
 */
function engineCgroupDirectories(id: string, cgroups: string[]): string[] {
  let spec: Spec;
  try {
    spec = readStoredSpec<Spec>(id);
  } catch {
    return [];
  }
  if (!spec.linux?.cgroupsPath?.replace(/^\/+/, '')) return [];
  return cgroups.map((directory) => dirname(dirname(directory)));
}
