/**
 * Pausing a container: every process of it stopped by its cgroup's freezer
 * (v1 `freezer.state`, v2 `cgroup.freeze`), none able to fork meanwhile,
 * and thawed again. Paused is not a recorded status but the freezer's
 * state, read whenever it is asked for, as runc does: whoever thaws the
 * cgroup has resumed the container.
 */
import { cgroupManager } from '../cgroups/manager.js';
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';
import { isOwnCgroupPath } from '../state/schema.js';
import type { ContainerRecord } from '../state/record.js';
import { initProblem } from './container-processes.js';
import { requireContainer } from './lifecycle.js';

/** The container's own cgroups (those the runtime's naming rule gives it, never another's). */
export function ownCgroups(record: Pick<ContainerRecord, 'id' | 'cgroups'>): string[] {
  return record.cgroups.filter((path) => isOwnCgroupPath(path, record.id));
}

/** True if the container is live (created or running) and its cgroup frozen. */
export function isPaused(record: ContainerRecord): boolean {
  if (record.status !== 'running' && record.status !== 'created') return false;
  const cgroups = ownCgroups(record);
  return cgroups.length > 0 && cgroupManager().frozen(cgroups);
}

/** A created or running container whose PID 1 is still its own; its cgroups. */
async function requireLive(name: string): Promise<{ record: ContainerRecord; cgroups: string[] }> {
  const record = await requireContainer(name);
  if ((record.status !== 'running' && record.status !== 'created') || initProblem(record.init)) {
    throw new ContainerError(`container ${quote(name)} is not running (${record.status === 'running' ? 'its PID 1 has ended' : record.status})`, { code: 'not-running' });
  }
  const cgroups = ownCgroups(record);
  if (cgroups.length === 0) throw new ContainerError(`container ${quote(name)} has no cgroup of its own to freeze`, { code: 'host' });
  return { record, cgroups };
}

/** Freezes every process of the container; refused if it is paused already. */
export async function pauseContainer(name: string): Promise<void> {
  const { record, cgroups } = await requireLive(name);
  if (isPaused(record)) throw new ContainerError(`container ${quote(name)} is paused already`, { code: 'paused' });
  cgroupManager().freeze(cgroups);
}

/** Thaws a paused container; refused if it is not paused. */
export async function resumeContainer(name: string): Promise<void> {
  const { record, cgroups } = await requireLive(name);
  if (!isPaused(record)) throw new ContainerError(`container ${quote(name)} is not paused`, { code: 'not-paused' });
  cgroupManager().thaw(cgroups);
}
