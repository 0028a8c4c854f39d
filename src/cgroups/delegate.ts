/**
 * A booted OS in a user namespace manages its own cgroup subtree, as
 * systemd-nspawn arranges: its root (an unprivileged host ID) is made the
 * owner of the container's cgroup -- only where systemd keeps its tree
 * (cgroup v2, v1's name=systemd) and only the directory and the files that
 * move processes and create children (the kernel's delegation model).
 * Limits and the device policy stay root's: the container cannot raise them.
 */
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import type { Hierarchy } from './hierarchies.js';

const DELEGATED_FILES = ['cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control', 'tasks', 'cgroup.clone_children', 'notify_on_release'];

export function delegateCgroups(hierarchies: readonly Hierarchy[], directories: readonly string[], uid: number): void {
  for (const directory of directories) {
    const hierarchy = hierarchies.find((h) => directory.startsWith(`${h.mountPoint}/`));
    if (!hierarchy || !(hierarchy.version === 2 || hierarchy.controllers.includes('name=systemd'))) continue;
    chownSync(directory, uid, uid);
    for (const file of DELEGATED_FILES) {
      try {
        chownSync(join(directory, file), uid, uid);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
}
