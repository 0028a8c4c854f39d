/**
 * Where a rootless container's cgroup can go: below a cgroup v2 subtree
 * delegated to the user (cgroups/delegated.ts), found from the cgroup this
 * process runs in (/proc/self/cgroup), on a pure cgroup v2 host only (a
 * hybrid host's cgroup2 hierarchy has no controllers to hand out).
 *
 * That cgroup counts as delegated when the user may manage it and
 *   - it is the scope ts-nspawn asked the user's systemd for with
 *     Delegate=yes (scope.ts names it in TS_NSPAWN_SCOPE), or
 *   - its parent is not the user's: whoever owns the parent (root, or
 *     systemd for a system service with User= and Delegate=yes) handed
 *     exactly this cgroup over.
 * ts-nspawn's processes may already sit in its supervisor leaf: then the
 * cgroup above it is the one asked about.
 *
 * Not an ancestor further up, and not any cgroup the user merely owns:
 * inside the user's systemd manager (user@UID.service) every cgroup is
 * the user's, a terminal's scope as much as a delegated one, and nothing
 * there tells them apart (systemd 252's user manager sets no delegate
 * xattr); user@UID.service itself is delegated to that manager, not to
 * its processes. Writing below a cgroup systemd manages would break its
 * single-writer rule, so there ts-nspawn asks for a scope of its own.
 */
import { accessSync, constants } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { ContainerError } from '../errors.js';
import { availableControllers, mayManage, SUPERVISOR_CGROUP } from '../cgroups/delegated.js';
import { hostHierarchies, layoutOf, type Hierarchy } from '../cgroups/hierarchies.js';

/** The environment variable naming the scope ts-nspawn asked for (set by scope.ts for the command it runs again). */
export const SCOPE_ENV = 'TS_NSPAWN_SCOPE';

export interface DelegatedCgroup {
  /** Its host directory: containers go to DIRECTORY/ts-nspawn/NAME. */
  directory: string;
  /** The controllers it may pass on: the limits that can work. */
  controllers: string[];
}

/** What finding the delegated cgroup reads of the host (a seam for the unit tests). */
export interface CgroupProbe {
  mayManage(directory: string): boolean;
  controllers(directory: string): string[];
}

export function findDelegatedCgroup(hierarchies: readonly Hierarchy[], scope: string | undefined, probe: CgroupProbe): DelegatedCgroup | undefined {
  if (layoutOf([...hierarchies]) !== 'unified') return undefined;
  const { mountPoint, ownDirectory } = hierarchies[0]!;
  const directory = basename(ownDirectory) === SUPERVISOR_CGROUP ? dirname(ownDirectory) : ownDirectory;
  if (!directory.startsWith(`${mountPoint}/`) || !probe.mayManage(directory)) return undefined;
  const asked = scope !== undefined && basename(directory) === scope;
  if (!asked && probe.mayManage(dirname(directory))) return undefined;
  return { directory, controllers: probe.controllers(directory) };
}

let found: { cgroup: DelegatedCgroup | undefined } | undefined;

/** This process's delegated cgroup, read once (moving into its supervisor leaf leaves the answer the same). */
export function rootlessCgroup(): DelegatedCgroup | undefined {
  if (!found) {
    const uid = process.geteuid?.() ?? 0;
    const probe: CgroupProbe = { mayManage: (directory) => mayManage(directory, uid), controllers: availableControllers };
    found = { cgroup: findDelegatedCgroup(hostHierarchies(), process.env[SCOPE_ENV], probe) };
  }
  return found.cgroup;
}

/**
 * cgroup v2 lets a process be moved (or cloned) from one cgroup into
 * another only by whoever may write cgroup.procs where the two paths
 * meet. Rootless, a process in a cgroup of root's (a login session's
 * scope) cannot join a container below the user's systemd manager: said
 * in one line rather than as the executor's EACCES.
 */
export function checkJoinable(from: string, to: string, name: string): void {
  let meet = from;
  while (meet !== sep && meet !== to && !to.startsWith(`${meet}/`)) meet = dirname(meet);
  try {
    accessSync(join(meet, 'cgroup.procs'), constants.W_OK);
  } catch {
    throw new ContainerError(
      `cannot put a process into container ${name}'s cgroup ${to} from the cgroup ${from}: only who may write ${join(meet, 'cgroup.procs')} can move processes between them; run ts-nspawn from your systemd user manager's tree (it does so by itself where systemd --user runs and systemd-run is installed)`,
      { code: 'host' },
    );
  }
}
