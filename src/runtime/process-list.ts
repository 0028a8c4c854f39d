/** The processes of a container, as the host numbers them: every PID in its cgroup (sub-cgroups included). */
import { cgroupManager } from '../cgroups/manager.js';
import { ownCgroups } from './freezer.js';
import { requireContainer } from './lifecycle.js';

export async function containerPids(name: string): Promise<number[]> {
  const record = await requireContainer(name);
  const cgroups = ownCgroups(record);
  // Ended: its cgroup is released, or about to be; nothing of it runs.
  if (record.status === 'stopped' || cgroups.length === 0) return [];
  return cgroupManager().pids(cgroups).sort((a, b) => a - b);
}
