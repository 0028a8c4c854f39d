/**
 * A container's own cgroup: a directory `ts-nspawn/NAME` below the caller's
 * cgroup in every hierarchy, so the container is accounted (and limited)
 * inside whatever cgroup started it, can be listed and killed as a whole,
 * and gets a subtree of its own to delegate (systemd inside writes there).
 * Plain file I/O: mkdir, write the PID to cgroup.procs, rmdir.
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ContainerError } from '../errors.js';
import { hostHierarchies, type Hierarchy } from './hierarchies.js';

export const CGROUP_PARENT = 'ts-nspawn';

export function cgroupDirectories(name: string, hierarchies: Hierarchy[] = hostHierarchies()): string[] {
  return hierarchies.map((hierarchy) => join(hierarchy.ownDirectory, CGROUP_PARENT, name));
}

/** Creates the container's cgroup in every hierarchy; returns its directories. */
export function createCgroup(name: string, hierarchies: Hierarchy[] = hostHierarchies()): string[] {
  const created: string[] = [];
  try {
    for (const hierarchy of hierarchies) {
      const directory = join(hierarchy.ownDirectory, CGROUP_PARENT, name);
      mkdirSync(directory, { recursive: true });
      created.push(directory);
      // A new v1 cpuset is empty, and nobody can join an empty cpuset.
      if (hierarchy.controllers.includes('cpuset')) inheritCpuset(directory);
    }
  } catch (error) {
    removeCgroup(created);
    throw new ContainerError(`cannot create the container's cgroup: ${(error as Error).message}`);
  }
  return created;
}

function inheritCpuset(directory: string): void {
  for (const level of [dirname(directory), directory]) {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (readFileSync(join(level, file), 'utf8').trim() === '') {
        writeControlFile(join(level, file), readFileSync(join(dirname(level), file), 'utf8'));
      }
    }
  }
}

/**
 * One write to a cgroup control file. Not writeFileSync: its truncation
 * (O_TRUNC, or Bun's ftruncate) costs cgroupfs ten times the write itself.
 */
function writeControlFile(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Moves process PID into the cgroup, in every hierarchy. On cgroup v1 the
 * first move waits for an RCU grace period in the kernel (the threadgroup
 * lock), which is most of its cost.
 */
export function joinCgroup(directories: string[], pid: number): void {
  for (const directory of directories) {
    try {
      writeControlFile(join(directory, 'cgroup.procs'), `${pid}\n`);
    } catch (error) {
      throw new ContainerError(`cannot move the container into its cgroup ${directory}: ${(error as Error).message}`);
    }
  }
}

/** The PIDs in the cgroup (from the first hierarchy that answers). */
export function cgroupPids(directories: string[]): number[] {
  for (const directory of directories) {
    try {
      return readFileSync(join(directory, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // gone or unreadable: try the next hierarchy
    }
  }
  return [];
}

/**
 * Removes the cgroup directories, deepest first (systemd inside may have
 * made sub-cgroups), and the shared parent when it became empty. A cgroup
 * whose last process is still exiting is busy for a moment: retried.
 */
export function removeCgroup(directories: string[]): void {
  for (const directory of directories) {
    removeTree(directory);
    try {
      rmdirSync(dirname(directory));
    } catch {
      // other containers still use the parent
    }
  }
}

function removeTree(directory: string): void {
  let entries: string[];
  try {
    entries = readdirSubdirectories(directory);
  } catch {
    return;
  }
  for (const entry of entries) removeTree(join(directory, entry));
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(directory);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 500) return;
      // Busy for a moment after its last process exited: retry soon (up to 0.5 s).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

function readdirSubdirectories(directory: string): string[] {
  // cgroupfs lists control files as regular files; sub-cgroups are directories.
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}
