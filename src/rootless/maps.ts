/**
 * The ID maps of a rootless container, as podman makes them: the
 * container's root is the user (so a tree the user owns is root's inside,
 * and what root creates there is the user's on the host), and IDs 1..N are
 * the user's subordinate range. Without a range in both /etc/subuid and
 * /etc/subgid only the user is mapped (to root), written by ts-nspawn
 * itself; with ranges newuidmap and newgidmap write the maps.
 */
import { accessSync, constants } from 'node:fs';
import type { LinuxIDMapping } from '../oci/types.js';
import { RANGE_SIZE } from '../oci/private-users.js';
import type { RootlessUser } from './mode.js';
import { ContainerError } from '../errors.js';
import { subordinateRanges, type SubordinateRange } from './subid.js';

export interface RootlessMaps {
  uidMappings: LinuxIDMapping[];
  gidMappings: LinuxIDMapping[];
  /** The helpers' argv (newuidmap, newgidmap), or none: the user's own IDs only. */
  writer: { uidHelper: string[]; gidHelper: string[] };
}

const HELPER_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** A setuid helper's path, or undefined when it is not installed. */
export function findHelper(name: string, dirs = HELPER_DIRS): string | undefined {
  for (const dir of dirs) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // next
    }
  }
  return undefined;
}

const extents = (own: number, range: SubordinateRange | undefined): LinuxIDMapping[] => [
  { containerID: 0, hostID: own, size: 1 },
  // podman's size: 65536 IDs at most, as many as the range has.
  ...(range ? [{ containerID: 1, hostID: range.start, size: Math.min(range.count, RANGE_SIZE) }] : []),
];

export function rootlessMaps(user: RootlessUser, ranges = subordinateRanges(user), helpers = { uid: findHelper('newuidmap'), gid: findHelper('newgidmap') }): RootlessMaps {
  if (!ranges.uid || !ranges.gid) {
    return { uidMappings: extents(user.uid, undefined), gidMappings: extents(user.gid, undefined), writer: { uidHelper: [], gidHelper: [] } };
  }
  if (!helpers.uid || !helpers.gid) {
    throw new ContainerError("your ranges in /etc/subuid and /etc/subgid need newuidmap and newgidmap to be mapped: install them (Debian's package uidmap)", { code: 'host' });
  }
  return { uidMappings: extents(user.uid, ranges.uid), gidMappings: extents(user.gid, ranges.gid), writer: { uidHelper: [helpers.uid], gidHelper: [helpers.gid] } };
}

/** The highest ID inside a map: what a namespaced setting such as ping_group_range may name. */
export function highestInside(mappings: readonly LinuxIDMapping[]): number {
  return Math.max(0, ...mappings.map((m) => m.containerID + m.size - 1));
}
