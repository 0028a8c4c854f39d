/**
 * Changing the limits of a container that runs (or is created): the new
 * values are merged into its stored spec, the merged spec must pass
 * validateSpec, then the cgroup manager writes them and the spec is stored,
 * so `status`, a restart and `stats` see the new limits.
 */
import { cgroupManager, unappliedLimit } from '../cgroups/manager.js';
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';
import type { LinuxResources, Spec } from '../oci/types.js';
import { validateSpec } from '../oci/validate.js';
import { codedError } from '../state/names.js';
import { containerFile } from '../state/paths.js';
import { isOwnCgroupPath } from '../state/schema.js';
import { readStoredSpec, writeAtomically } from '../state/store.js';
import { initProblem } from './container-processes.js';
import { dirname } from 'node:path';
import { availableControllers } from '../cgroups/delegated.js';
import { isRootless } from '../rootless/mode.js';
import { checkDelegatedControllers } from '../rootless/policy.js';
import { requireContainer } from './lifecycle.js';

/** The limits `update` may change: every linux.resources field but the device policy. */
const UPDATABLE = new Set(['memory', 'cpu', 'pids', 'blockIO']);

/**
 * Applies RESOURCES (only the fields given change) to the running or
 * created container NAME; resolves with its resources as they are now.
 * Limits the host has no controller for are named on stderr, as at start.
 */
export async function updateContainer(name: string, resources: LinuxResources): Promise<LinuxResources> {
  const record = await requireContainer(name);
  if (record.status === 'stopped' || record.status === 'creating') {
    throw codedError(`container ${quote(name)} is not running (${record.status}): only a running or created container's limits can be changed`, 'not-running');
  }
  const problem = initProblem(record.init);
  if (problem) throw codedError(`container ${quote(name)} is recorded as ${record.status}, but ${problem}: see ts-nspawn status ${name}`, 'not-running');
  for (const key of Object.keys(resources)) {
    if (!UPDATABLE.has(key)) throw new ContainerError(`linux.resources.${key} cannot be changed by update (it can: ${[...UPDATABLE].join(', ')})`, { code: 'invalid-spec' });
  }

  const spec = readStoredSpec<Spec>(name);
  const current = spec.linux?.resources ?? {};
  const merged = mergeResources(current, resources);
  swapConflict(merged);
  const { spec: next } = validateSpec({ ...spec, linux: { ...spec.linux, resources: merged } });

  // Each group given is written whole (memory with its swap, CPU quota with its period), as the kernel needs them together.
  const changed: LinuxResources = {};
  for (const key of Object.keys(resources) as Array<keyof LinuxResources>) (changed as Record<string, unknown>)[key] = merged[key];
  const directories = record.cgroups.filter((path) => isOwnCgroupPath(path, name));
  if (directories.length === 0) throw new ContainerError(`container ${quote(name)} has no cgroup of its own to update`, { code: 'host' });
  // Rootless, a limit its delegated cgroup has no controller for is refused, as at the start.
  if (isRootless()) checkDelegatedControllers(changed, dirname(dirname(directories[0]!)), availableControllers(directories[0]!));
  for (const field of cgroupManager().setLimits(directories, changed)) process.stderr.write(`ts-nspawn: warning: ${unappliedLimit(field)}\n`);
  writeAtomically(containerFile(name, 'config'), JSON.stringify(next, null, 2) + '\n');
  return merged;
}

/** Field by field within each group: a memory limit alone keeps the swap limit, and so on. */
export function mergeResources(current: LinuxResources, change: LinuxResources): LinuxResources {
  const merged: LinuxResources = { ...current };
  for (const [key, value] of Object.entries(change) as Array<[keyof LinuxResources, unknown]>) {
    const before = current[key];
    (merged as Record<string, unknown>)[key] =
      value && typeof value === 'object' && !Array.isArray(value) && before && typeof before === 'object' && !Array.isArray(before) ? { ...before, ...value } : value;
  }
  return merged;
}

/** A memory limit moved past the container's memory+swap limit: said in the words of the flags. */
function swapConflict(resources: LinuxResources): void {
  const { limit, swap } = resources.memory ?? {};
  if (swap === undefined || swap <= 0) return;
  if (limit === undefined || limit <= 0) {
    throw new ContainerError('the container has a memory+swap limit, which needs a memory limit: give --memory-swap -1 as well to lift both', { code: 'invalid-spec' });
  }
  if (limit > swap) {
    throw new ContainerError(
      `the memory limit ${limit} and the memory+swap limit ${swap} do not fit: memory+swap counts both, so it must be at least the memory limit; give --memory and --memory-swap together (--memory-swap -1: no swap limit)`,
      { code: 'invalid-spec' },
    );
  }
}
