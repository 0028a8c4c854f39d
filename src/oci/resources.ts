/**
 * ContainerOptions -> `linux.resources` and the extra `linux.devices`: the
 * limits and the device policy the cgroup manager applies. Kept in the
 * spec (OCI fields), so whatever runs a spec gets them.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { devicePolicy } from '../cgroups/device-rules.js';
import { ContainerError } from '../errors.js';
import type { ContainerOptions, DeviceOption } from './container-options.js';
import { DEFAULT_DEVICES } from './defaults.js';
import { isRootless } from '../rootless/mode.js';
import type { Device, LinuxResources } from './types.js';

/** podman's default for a command; a booted OS gets systemd-nspawn@.service's TasksMax. */
export const DEFAULT_PIDS_LIMIT = 2048;
export const DEFAULT_BOOT_PIDS_LIMIT = 16384;

/** DEVICES: the --device nodes, in the order of `options.devices`. */
export function buildResources(options: ContainerOptions, devices: Device[]): LinuxResources {
  // Rootless there is no cgroup to hold a default (rootless/policy.ts says so once).
  const pids = options.pidsLimit ?? (isRootless() ? undefined : options.boot ? DEFAULT_BOOT_PIDS_LIMIT : DEFAULT_PIDS_LIMIT);
  if (pids !== undefined && (!Number.isInteger(pids) || pids < -1)) throw new ContainerError(`invalid pids limit ${pids}: give a number of processes, or 0 or -1 for unlimited`, { code: 'invalid-spec' });
  const resources: LinuxResources = {
    // 0 and -1 both mean unlimited, as in podman.
    ...(pids === undefined ? {} : { pids: { limit: pids <= 0 ? -1 : pids } }),
    devices: devicePolicy([...DEFAULT_DEVICES, ...devices], (device) => options.devices?.[devices.indexOf(device)]?.access ?? 'rwm'),
  };
  if (options.memory !== undefined) {
    if (!Number.isInteger(options.memory) || options.memory < -1) throw new ContainerError(`invalid memory limit ${options.memory}: give bytes, or -1 for unlimited`, { code: 'invalid-spec' });
    resources.memory = { limit: options.memory };
  }
  if (options.cpus !== undefined) {
    if (!(options.cpus > 0)) throw new ContainerError(`invalid CPU limit ${options.cpus}: give a number of CPUs above 0, such as 0.5 or 2`, { code: 'invalid-spec' });
    resources.cpu = { quota: Math.round(options.cpus * CPU_PERIOD_US), period: CPU_PERIOD_US };
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
