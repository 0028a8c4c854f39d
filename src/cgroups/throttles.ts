/**
 * linux.resources.blockIO's throttles (bytes and I/O operations per second
 * per device) and linux.resources.hugepageLimits, as the control-file
 * writes of each cgroup version. blockIO's weights are not here (the
 * manager's setLimits owns them).
 */
import { join } from 'node:path';
import type { LinuxResources, LinuxThrottleDevice } from '../oci/types.js';
import { ContainerError } from '../errors.js';
import { readControlFile, writeControlFile } from './files.js';

export interface LimitWrite {
  /** The linux.resources field, for a warning when its controller is missing. */
  field: 'blockIO' | 'hugepageLimits';
  file: string;
  value: string;
}

const V1_THROTTLES = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
] as const;

/** cgroup v1: one line per device and file; a rate 0 lifts the limit. */
export function v1ThrottleWrites(resources: LinuxResources): LimitWrite[] {
  const writes: LimitWrite[] = [];
  for (const [key, file] of V1_THROTTLES) {
    for (const device of resources.blockIO?.[key] ?? []) writes.push({ field: 'blockIO', file, value: `${device.major}:${device.minor} ${device.rate}` });
  }
  for (const { pageSize, limit } of resources.hugepageLimits ?? []) {
    writes.push({ field: 'hugepageLimits', file: `hugetlb.${pageSize}.limit_in_bytes`, value: String(limit) });
  }
  return writes;
}

const V2_KEYS: ReadonlyArray<readonly [keyof NonNullable<LinuxResources['blockIO']>, string]> = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
];

/** cgroup v2: one io.max line per device with all its limits (0: `max`, none); hugetlb.SIZE.max. */
export function v2ThrottleWrites(resources: LinuxResources): LimitWrite[] {
  const byDevice = new Map<string, string[]>();
  for (const [key, name] of V2_KEYS) {
    for (const device of (resources.blockIO?.[key] ?? []) as LinuxThrottleDevice[]) {
      const id = `${device.major}:${device.minor}`;
      byDevice.set(id, [...(byDevice.get(id) ?? []), `${name}=${device.rate > 0 ? device.rate : 'max'}`]);
    }
  }
  const writes: LimitWrite[] = [...byDevice].map(([id, limits]) => ({ field: 'blockIO', file: 'io.max', value: `${id} ${limits.join(' ')}` }));
  for (const { pageSize, limit } of resources.hugepageLimits ?? []) {
    writes.push({ field: 'hugepageLimits', file: `hugetlb.${pageSize}.max`, value: String(limit) });
  }
  return writes;
}

/**
 * A hybrid host whose hugetlb controller is on the cgroup2 mount (no v1
 * hugetlb hierarchy): the controller enabled from that mount's root down
 * to the container's parent, so the container's cgroup there gets the
 * hugetlb files. Only when a limit asks for it.
 */
export function enableUnifiedHugetlb(mountPoint: string, directory: string): void {
  const parts = directory.slice(mountPoint.length).split('/').filter(Boolean);
  let level = mountPoint;
  for (const part of parts) {
    const available = (readControlFile(join(level, 'cgroup.controllers')) ?? '').split(/\s+/);
    const enabled = (readControlFile(join(level, 'cgroup.subtree_control')) ?? '').split(/\s+/);
    if (!available.includes('hugetlb')) return;
    try {
      if (!enabled.includes('hugetlb')) writeControlFile(join(level, 'cgroup.subtree_control'), '+hugetlb');
    } catch (error) {
      throw new ContainerError(`cannot enable the hugetlb controller in ${level} for linux.resources.hugepageLimits: ${(error as Error).message}`, { code: 'host' });
    }
    level = join(level, part);
  }
}
