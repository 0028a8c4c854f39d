/**
 * Which cgroup v2 controller each limit of `linux.resources` needs, with
 * the flag that sets it, so that a limit whose controller a delegated
 * cgroup lacks can be refused by name before anything is made.
 */
import type { LinuxResources } from '../oci/types.js';

export interface ControllerNeed {
  /** The linux.resources field. */
  field: string;
  /** The run/boot/update flag that sets it, where one does. */
  flag?: string;
  controller: string;
}

export function controllersNeeded(resources: LinuxResources): ControllerNeed[] {
  const needs: ControllerNeed[] = [];
  const need = (field: string, controller: string, flag?: string) => needs.push({ field, controller, flag });
  // An unlimited pids limit asks for nothing.
  if (resources.pids && resources.pids.limit > 0) need('pids', 'pids', '--pids-limit');
  if (resources.memory?.limit !== undefined) need('memory', 'memory', '--memory');
  else if (resources.memory?.swap !== undefined) need('memory', 'memory', '--memory-swap');
  const cpu = resources.cpu;
  if (cpu?.quota !== undefined || cpu?.period !== undefined) need('cpu', 'cpu', '--cpus');
  if (cpu?.shares !== undefined) need('cpu', 'cpu', '--cpu-weight');
  if (cpu?.cpus !== undefined) need('cpu', 'cpuset', '--cpuset-cpus');
  if (cpu?.mems !== undefined) need('cpu', 'cpuset', '--cpuset-mems');
  if (resources.blockIO) need('blockIO', 'io', resources.blockIO.weight !== undefined ? '--io-weight' : undefined);
  if (resources.hugepageLimits?.length) need('hugepageLimits', 'hugetlb');
  return needs;
}
