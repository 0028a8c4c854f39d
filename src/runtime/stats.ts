/** A running container's resource use, read from its cgroup (the same numbers on every layout). */
import { cgroupManager, type CgroupStats } from '../cgroups/manager.js';
import { requireRunning } from './lifecycle.js';

export type { CgroupStats } from '../cgroups/manager.js';

export async function containerStats(name: string): Promise<CgroupStats> {
  const record = await requireRunning(name);
  return cgroupManager().stats(record.cgroups);
}
