/**
 * The cgroup manager: one interface in front of the cgroup layouts, chosen
 * once from the host's hierarchies. A container's cgroup is a path relative
 * to the hierarchy roots (`ts-nspawn/NAME` by default); the manager turns
 * it into host directories, one per hierarchy, which the record keeps so
 * that any later command finds them again. Callers never ask which layout
 * the host has, except for what only the executor can do on cgroup v2
 * (clone straight into the cgroup, attach the eBPF device program).
 */
import { join } from 'node:path';
import { ContainerError } from '../errors.js';
import { ANNOTATION } from '../oci/annotations.js';
import type { LinuxResources, Spec } from '../oci/types.js';
import { hostHierarchies, layoutOf, type Hierarchy } from './hierarchies.js';
import { V1Manager } from './v1.js';
import { V2Manager } from './v2.js';

/** Containers go below this top-level cgroup unless told otherwise (not below the caller's own). */
export const DEFAULT_CGROUP_PARENT = 'ts-nspawn';

/** The same numbers on every layout; undefined where the host cannot tell. */
export interface CgroupStats {
  /** CPU time of all processes, microseconds. */
  cpuUsageUsec?: number;
  /** The same in nanoseconds (v1 counts them; v2 counts microseconds, so its last three digits are 0). */
  cpuUsageNs?: number;
  memoryCurrentBytes?: number;
  /** The high-water mark (cgroup v2 needs Linux 5.19). */
  memoryPeakBytes?: number;
  /** The memory limit; undefined when unlimited. */
  memoryLimitBytes?: number;
  /** Processes the kernel's OOM killer killed in the cgroup because of its memory limit. */
  oomKills?: number;
  pids: number;
  /** The pids limit; undefined when unlimited. */
  pidsLimit?: number;
  /** How often a fork was refused because the pids limit was reached. */
  pidsLimitHits?: number;
  ioReadBytes?: number;
  ioWriteBytes?: number;
}

/** See CgroupManager.entry; both go to the executor (plan/compile.ts). */
export interface CgroupEntry {
  /** A cgroup v2 directory (also the cgroup2 mount of a hybrid host) the process is cloned into (CLONE_INTO_CGROUP). */
  cloneInto?: string;
  /** cgroup v1: the `tasks` files the new process writes "0" to, moving only its own (single) thread. */
  selfJoin: string[];
}

export interface CgroupManager {
  readonly layout: 'unified' | 'hybrid' | 'legacy';
  /** The host directories of the cgroup at PATH (relative to the hierarchy roots). */
  directories(path: string): string[];
  /** The directories of the cgroups process PID is in now (on v1 they can differ per hierarchy). */
  directoriesOf(pid: number): string[];
  /** Makes the cgroup at PATH in every hierarchy, with its controllers enabled (v2: up the path); returns its directories. */
  create(path: string): string[];
  /**
   * How a new process (init, an exec, a hook) gets into the cgroup without
   * being moved in from outside: a move of another process waits for an RCU
   * grace period in the kernel (5-10 ms), as the executor's steps do not.
   */
  entry(directories: string[]): CgroupEntry;
  /** cgroup v2: the directory the device policy's eBPF program is attached to; v1: none (the devices controller has it). */
  deviceProgramDirectory(directories: string[]): string | undefined;
  /** Writes the limits; returns the fields the host cannot apply (their controller is missing). */
  setLimits(directories: string[], resources: LinuxResources): string[];
  stats(directories: string[]): CgroupStats;
  /** The counters that outlive a container, read when it is released (three files, not every stat). */
  endCounters(directories: string[]): Pick<CgroupStats, 'pidsLimitHits' | 'oomKills' | 'memoryLimitBytes'>;
  /** Every PID in the cgroup, sub-cgroups included. */
  pids(directories: string[]): number[];
  /** SIGKILLs every process in the cgroup, none escaping by forking meanwhile. */
  killAll(directories: string[]): void;
  freeze(directories: string[]): void;
  thaw(directories: string[]): void;
  /** True while the cgroup is frozen (or freezing): asked for, not only reached. */
  frozen(directories: string[]): boolean;
  /** Removes the cgroup and its sub-cgroups (see removeTree). */
  remove(directories: string[]): void;
}

/** `delegatedRoot`: cgroup v2 only, a delegated cgroup to work below (rootless; see delegated.ts). */
export function cgroupManager(hierarchies: Hierarchy[] = hostHierarchies(), options: { delegatedRoot?: string } = {}): CgroupManager {
  const layout = layoutOf(hierarchies);
  if (layout === 'unified') return new V2Manager(hierarchies, options.delegatedRoot);
  if (options.delegatedRoot !== undefined) throw new ContainerError('a delegated cgroup is a cgroup v2 feature, and this host is not pure cgroup v2', { code: 'host' });
  return new V1Manager(hierarchies, layout);
}

/**
 * Where a container's cgroup goes: PARENT/ts-nspawn/NAME, the parent being
 * `--cgroup-parent` (or an OCI bundle's `linux.cgroupsPath`; engines using
 * systemd write it as `SLICE:PREFIX:NAME`, meaning SLICE/PREFIX-NAME.scope),
 * by default the hierarchy roots. The `ts-nspawn/NAME` ending is how the
 * runtime recognises its own cgroups in a record or in /proc/PID/cgroup, so
 * it never touches a cgroup it did not make.
 */
export function containerCgroupPath(spec: Spec, name: string): string {
  return join(cgroupParentOf(spec), DEFAULT_CGROUP_PARENT, name);
}

function cgroupParentOf(spec: Spec): string {
  const explicit = spec.linux?.cgroupsPath;
  const systemd = explicit && /^([^:/]*):([^:/]*):([^:/]+)$/.exec(explicit);
  if (systemd) return join(systemd[1] || 'system.slice', `${systemd[2] ? `${systemd[2]}-` : ''}${systemd[3]}.scope`);
  return (explicit ?? spec.annotations?.[ANNOTATION.cgroupParent] ?? '').replace(/^\/+/, '');
}

/** Why a limit setLimits named was not applied, in one line. */
export function unappliedLimit(field: string): string {
  const why: Record<string, string> = {
    'blockIO.weight': 'no I/O weight file in the container\'s cgroup (blkio.weight, blkio.bfq.weight, io.bfq.weight or io.weight; the bfq I/O scheduler provides one)',
    'memory.swap': 'no swap accounting in the container\'s cgroup (memory.memsw.limit_in_bytes or memory.swap.max)',
  };
  return `linux.resources.${field} not applied: this host has ${why[field] ?? `no ${field} controller in the container's cgroup hierarchy`}`;
}

/**
 * Makes the container's cgroup and applies the spec's limits to it (the
 * device rules too on v1; on v2 they go to the executor as `deviceFilter`).
 * A limit whose controller the host lacks is not dropped silently: it is
 * named in a warning on stderr.
 */
export function setUpContainerCgroup(manager: CgroupManager, path: string, spec: Spec): string[] {
  const directories = manager.create(path);
  try {
    const unsupported = manager.setLimits(directories, spec.linux?.resources ?? {});
    for (const field of unsupported) process.stderr.write(`ts-nspawn: warning: ${unappliedLimit(field)}\n`);
  } catch (error) {
    manager.remove(directories);
    throw error;
  }
  return directories;
}
