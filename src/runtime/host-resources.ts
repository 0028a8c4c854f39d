/**
 * What a container holds on the host outside its own namespaces: its
 * cgroup and its veth. Released by whoever sees the container gone first
 * (the foreground run, the monitor's exit hook, or a later list/gc), so
 * release is idempotent.
 */
import { removeCgroup } from '../cgroups/container-cgroup.js';
import { removeVeth } from '../network/bridge.js';
import type { ContainerRecord } from '../state/record.js';

export async function releaseHostResources(record: Pick<ContainerRecord, 'hostInterfaces' | 'cgroups'>): Promise<void> {
  await Promise.all(record.hostInterfaces.map(removeVeth));
  removeCgroup(record.cgroups);
}
