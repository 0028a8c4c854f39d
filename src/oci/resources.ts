/**
 * ContainerOptions -> `linux.resources` and the extra `linux.devices`: the
 * limits and the device policy the cgroup manager applies. Kept in the
 * spec (OCI fields), so whatever runs a spec gets them.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { devicePolicy } from '../cgroups/device-rules.js';
import { ContainerError } from '../errors.js';
import { BLKIO_WEIGHT_MAX, BLKIO_WEIGHT_MIN, isCpuList, WEIGHT_MAX, WEIGHT_MIN, weightToShares } from '../cgroups/convert.js';
import type { ContainerOptions, DeviceOption } from './container-options.js';
import { DEFAULT_DEVICES } from './defaults.js';
import { isRootless } from '../rootless/mode.js';
import { rootlessCgroup } from '../rootless/cgroup.js';
import type { Device, LinuxResources } from './types.js';

/** podman's default for a command; a booted OS gets systemd-nspawn@.service's TasksMax. */
export const DEFAULT_PIDS_LIMIT = 2048;
export const DEFAULT_BOOT_PIDS_LIMIT = 16384;

/** DEVICES: the --device nodes, in the order of `options.devices`. */
export function buildResources(options: ContainerOptions, devices: Device[]): LinuxResources {
  // Rootless, only a delegated cgroup with the pids controller holds the default (rootless/policy.ts says so once).
  const withDefault = !isRootless() || rootlessCgroup()?.controllers.includes('pids') === true;
  const pidsLimit = options.pidsLimit ?? (!withDefault ? undefined : options.boot ? DEFAULT_BOOT_PIDS_LIMIT : DEFAULT_PIDS_LIMIT);
  return {
    ...limitResources({ ...options, pidsLimit }),
    devices: devicePolicy([...DEFAULT_DEVICES, ...devices], (device) => options.devices?.[devices.indexOf(device)]?.access ?? 'rwm'),
  };
}

/** The limits `run`, `boot`, `create` and `update` take, in the units of their flags. */
export type ResourceLimits = Pick<ContainerOptions, 'pidsLimit' | 'memory' | 'memorySwap' | 'cpus' | 'cpuWeight' | 'cpusetCpus' | 'cpusetMems' | 'ioWeight'>;

/**
 * The limits given (and only those) as `linux.resources`; a bad value is a
 * one-line error naming it. `update` passes `merged`: the limits then add to
 * the container's own (a swap limit may lean on its memory limit), and the
 * merged spec is checked by validateSpec.
 */
export function limitResources(limits: ResourceLimits, { merged = false } = {}): LinuxResources {
  const resources: LinuxResources = {};
  const bad = (what: string, value: unknown, rule: string) => new ContainerError(`invalid ${what} ${JSON.stringify(value)}: ${rule}`, { code: 'invalid-spec' });
  const { pidsLimit, memory, memorySwap, cpus, cpuWeight, cpusetCpus, cpusetMems, ioWeight } = limits;
  if (pidsLimit !== undefined) {
    if (!Number.isInteger(pidsLimit) || pidsLimit < -1) throw bad('pids limit', pidsLimit, 'give a number of processes, or 0 or -1 for unlimited');
    // 0 and -1 both mean unlimited, as in podman.
    resources.pids = { limit: pidsLimit <= 0 ? -1 : pidsLimit };
  }
  if (memory !== undefined) {
    if (!Number.isInteger(memory) || memory < -1) throw bad('memory limit', memory, 'give bytes, or -1 for unlimited');
    resources.memory = { limit: memory };
  }
  if (memorySwap !== undefined) {
    if (!Number.isInteger(memorySwap) || memorySwap < -1 || memorySwap === 0) throw bad('memory+swap limit', memorySwap, 'give bytes (memory and swap together), or -1 for unlimited swap');
    if (!merged && (memory === undefined || memory <= 0)) throw bad('memory+swap limit', memorySwap, 'a swap limit needs a memory limit: add --memory');
    if (memory !== undefined && memory > 0 && memorySwap > 0 && memorySwap < memory) {
      throw bad('memory+swap limit', memorySwap, `it counts memory and swap together, so it must be at least the memory limit ${memory}`);
    }
    resources.memory = { ...resources.memory, swap: memorySwap };
  }
  if (cpus !== undefined) {
    if (!(cpus > 0) || !Number.isFinite(cpus)) throw bad('CPU limit', cpus, 'give a number of CPUs above 0, such as 0.5 or 2');
    resources.cpu = { quota: Math.max(1000, Math.round(cpus * CPU_PERIOD_US)), period: CPU_PERIOD_US };
  }
  if (cpuWeight !== undefined) {
    if (!Number.isInteger(cpuWeight) || cpuWeight < WEIGHT_MIN || cpuWeight > WEIGHT_MAX) throw bad('CPU weight', cpuWeight, `give a whole number from ${WEIGHT_MIN} to ${WEIGHT_MAX} (default 100)`);
    resources.cpu = { ...resources.cpu, shares: weightToShares(cpuWeight) };
  }
  if (cpusetCpus !== undefined) {
    if (!isCpuList(cpusetCpus)) throw bad('CPU list', cpusetCpus, 'give CPU numbers and ranges such as 0-2,4');
    resources.cpu = { ...resources.cpu, cpus: cpusetCpus };
  }
  if (cpusetMems !== undefined) {
    if (!isCpuList(cpusetMems)) throw bad('memory node list', cpusetMems, 'give node numbers and ranges such as 0 or 0-1');
    resources.cpu = { ...resources.cpu, mems: cpusetMems };
  }
  if (ioWeight !== undefined) {
    if (!Number.isInteger(ioWeight) || ioWeight < BLKIO_WEIGHT_MIN || ioWeight > BLKIO_WEIGHT_MAX) throw bad('I/O weight', ioWeight, `give a whole number from ${BLKIO_WEIGHT_MIN} to ${BLKIO_WEIGHT_MAX} (default 500)`);
    resources.blockIO = { weight: ioWeight };
  }
  return resources;
}

/** The period --cpus is a quota of, as docker and podman use. */
const CPU_PERIOD_US = 100_000;

/** A host device node for the container: its number and mode as on the host. */
export function deviceNode(option: DeviceOption): Device {
  const path = option.destination ?? option.source;
  if (!isAbsolute(path) || !path.startsWith('/dev/')) throw new ContainerError(`invalid --device destination '${path}': it must be a path below /dev`, { code: 'invalid-spec' });
  if (option.access !== undefined && !/^[rwm]{1,3}$/.test(option.access)) {
    throw new ContainerError(`invalid --device permissions '${option.access}': use r, w and m (e.g. rw)`, { code: 'invalid-spec' });
  }
  let stat;
  try {
    stat = statSync(option.source, { bigint: true });
  } catch (error) {
    throw new ContainerError(`--device ${option.source}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such device on the host' : (error as Error).message}`, { code: 'invalid-spec' });
  }
  const type = stat.isCharacterDevice() ? 'c' : stat.isBlockDevice() ? 'b' : undefined;
  if (!type) throw new ContainerError(`--device ${option.source} is not a device node`, { code: 'invalid-spec' });
  // The kernel's encoding of dev_t (glibc's major()/minor()).
  const rdev = stat.rdev;
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { type, path, major, minor, fileMode: Number(stat.mode & 0o777n), uid: 0, gid: 0 };
}
