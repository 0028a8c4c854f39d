/** The OCI state of a container (runtime-spec runtime.md "State"), as `ts-runc state` prints it. */
import { isPaused } from '../runtime/freezer.js';
import type { ContainerRecord } from '../state/record.js';

export interface OciState {
  ociVersion: string;
  id: string;
  /** `paused` while its cgroup is frozen (runc's addition to the spec's four). */
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  /** Left out when empty, as runc does. */
  annotations?: Record<string, string>;
}

export function ociState(record: ContainerRecord, rootfs: string): OciState {
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    status: isPaused(record) ? 'paused' : record.status,
    pid: record.status === 'stopped' ? 0 : record.pid,
    bundle: record.bundle,
    rootfs,
    created: record.created,
    // runc fills it in for rootless containers only.
    owner: '',
    ...(Object.keys(record.annotations).length > 0 ? { annotations: record.annotations } : {}),
  };
}
