/**
 * What a container holds on the host outside its own namespaces: its
 * cgroup, its veth, its user-mode network helper. Released by whoever
 * sees the container gone first (the foreground run, the monitor's exit
 * hook, or a later list/gc), so release is idempotent.
 */
import { constants } from 'node:os';
import { basename, dirname } from 'node:path';
import { removeIfEmpty } from '../cgroups/files.js';
import { cgroupManager, DEFAULT_CGROUP_PARENT } from '../cgroups/manager.js';
import { removeVeth } from '../network/bridge.js';
import type { Hierarchy } from '../cgroups/hierarchies.js';
import type { ContainerRecord, OutOfMemory } from '../state/record.js';
import { isHelperRunning } from '../network/user-mode.js';
import { isAlive, type ProcessIdentity } from '../state/process-identity.js';
import { signalProcess } from './container-processes.js';

/** What the cgroup counted that outlives it: read just before it is removed. */
export interface CgroupEnd {
  /** Present when the OOM killer killed processes of the container for its memory limit. */
  outOfMemory?: OutOfMemory;
}

/** `hierarchies`: the host's, when the caller has read them already (they are read from /proc otherwise). */
export async function releaseHostResources(
  record: Pick<ContainerRecord, 'id' | 'hostInterfaces' | 'cgroups' | 'networkHelper'>,
  hierarchies?: Hierarchy[],
): Promise<CgroupEnd> {
  await Promise.all([...record.hostInterfaces.map(removeVeth), ...(record.networkHelper ? [stopNetworkHelper(record.networkHelper)] : [])]);
  if (record.cgroups.length === 0) return {};
  const cgroups = cgroupManager(hierarchies);
  const end = cgroups.endCounters(record.cgroups);
  // A fork bomb (or a busy server) held back by the pids limit is worth a line.
  const refused = end.pidsLimitHits;
  if (refused) process.stderr.write(`ts-nspawn: ${record.id} reached its pids limit: ${refused} fork(s) refused\n`);
  // PID 1's end killed its PID namespace, so the cgroup is empty unless a
  // process joined it from outside (or it has sub-cgroups): only a cgroup
  // that proves busy is searched and emptied.
  const busy = record.cgroups.filter((directory) => !removeIfEmpty(directory));
  if (busy.length > 0) {
    cgroups.killAll(busy);
    cgroups.remove(busy);
  }
  // The default parent is ours: removed once empty. A --cgroup-parent is the user's.
  const ownParent = record.cgroups.every((directory) => basename(dirname(directory)) === DEFAULT_CGROUP_PARENT);
  if (ownParent) for (const directory of record.cgroups) removeIfEmpty(dirname(directory));
  return end.oomKills ? { outOfMemory: { kills: end.oomKills, limitBytes: end.memoryLimitBytes } } : {};
}

/**
 * Ends the user-mode network helper (it holds the container's network
 * namespace open, so it would not end by itself): SIGTERM, SIGKILL after
 * 2 s. Only a process that still is the recorded one and runs a helper
 * program is signalled.
 */
async function stopNetworkHelper(helper: ProcessIdentity): Promise<void> {
  if (!isHelperRunning(helper)) return;
  for (const [signal, waitMs] of [[constants.signals.SIGTERM, 2000], [constants.signals.SIGKILL, 1000]] as const) {
    if (signalProcess(helper, signal) !== 'sent') return;
    const deadline = Date.now() + waitMs;
    while (isAlive(helper)) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (!isAlive(helper)) return;
  }
}
