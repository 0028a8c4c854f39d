/**
 * A cgroup v2 subtree delegated to an unprivileged user, in the kernel's
 * model: the user owns its directory and the files that create children
 * and move processes (cgroup.procs, cgroup.subtree_control). Below it the
 * user may make cgroups, move processes between them and pass on the
 * controllers its parent gives it -- but never change its own limits,
 * which stay its parent's owner's.
 *
 * Containers go below it at ts-nspawn/NAME. A cgroup that passes
 * controllers on may hold no processes itself, so whatever runs in the
 * delegated cgroup (ts-nspawn, and the shell that started it) first moves
 * into a leaf beside them, SUPERVISOR_CGROUP, as systemd's delegation
 * document advises; executors and monitors are then born there.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError } from '../errors.js';
import { makeDirectory, readControlFile, writeControlFile } from './files.js';

export const SUPERVISOR_CGROUP = 'ts-nspawn-supervisor';

/** Whether user UID may manage DIRECTORY as a delegated cgroup: it owns it and may write what delegation hands over. */
export function mayManage(directory: string, uid: number): boolean {
  try {
    if (statSync(directory).uid !== uid) return false;
    for (const path of [directory, join(directory, 'cgroup.procs'), join(directory, 'cgroup.subtree_control')]) accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The controllers a cgroup may pass on (its cgroup.controllers). */
export function availableControllers(directory: string): string[] {
  return (readControlFile(join(directory, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Moves every process of DIRECTORY into its supervisor leaf, so that it
 * may enable controllers for its children. A process may fork meanwhile,
 * hence a few rounds; one that ended meanwhile is fine.
 */
export function vacate(directory: string): void {
  const leaf = join(directory, SUPERVISOR_CGROUP);
  for (let round = 0; round < 10; round++) {
    const pids = (readControlFile(join(directory, 'cgroup.procs')) ?? '').split('\n').filter(Boolean);
    if (pids.length === 0) return;
    makeDirectory(leaf);
    for (const pid of pids) {
      try {
        writeControlFile(join(leaf, 'cgroup.procs'), `${pid}\n`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') continue;
        throw new ContainerError(`cannot move process ${pid} out of the delegated cgroup ${directory} into ${leaf} (a cgroup that holds processes cannot pass controllers on): ${(error as Error).message}`, { code: 'host' });
      }
    }
  }
  throw new ContainerError(`the delegated cgroup ${directory} keeps getting new processes: cannot move them out into ${leaf}`, { code: 'host' });
}
