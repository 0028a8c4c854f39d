/**
 * The OCI spec's `cgroup` mount at /sys/fs/cgroup is a request for "the
 * container's cgroups, as this host has them"; runc and crun expand it per
 * host, and so does this. Mounted inside the container's cgroup namespace,
 * each hierarchy shows the container's own cgroup as its root.
 *
 *   v2 (unified):    cgroup2 on /sys/fs/cgroup
 *   v1 and hybrid:   a tmpfs on /sys/fs/cgroup holding one mount per
 *                    hierarchy (controllers read-only, systemd's named
 *                    hierarchy writable), plus cgroup2 on .../unified
 *
 * systemd in the container needs exactly this (systemd.io/CONTAINER_INTERFACE):
 * a tree it may write where it keeps its own cgroups, read-only controllers.
 *
 * Without a cgroup namespace (engines on v1 hosts ask for none) a mount
 * would show the host's whole hierarchy: then each hierarchy's entry is a
 * bind mount of the container's own cgroup directory instead, as runc does.
 */
import type { Hierarchy } from '../cgroups/hierarchies.js';
import type { Mount } from '../oci/types.js';

const BASE_OPTIONS = ['nosuid', 'nodev', 'noexec'];

export interface CgroupTree {
  mounts: Mount[];
  /** Co-mounted controllers (cpu,cpuacct) are also reachable by each name, as on the host. */
  symlinks: Array<[target: string, link: string]>;
}

/** OWN: the container's cgroup directories on the host, when it has no cgroup namespace. */
export function expandCgroupMount(mount: Mount, hierarchies: Hierarchy[], own?: string[]): CgroupTree {
  const root = mount.destination;
  const readOnly = (mount.options ?? []).includes('ro');
  const v1 = hierarchies.filter((hierarchy) => hierarchy.version === 1);
  const v2 = hierarchies.find((hierarchy) => hierarchy.version === 2);
  // The container's directory in HIERARCHY, bound in its place; none: mount the hierarchy.
  const ownSource = (hierarchy: Hierarchy, options: string[], destination: string): Mount | undefined => {
    const directory = own?.find((candidate) => candidate.startsWith(`${hierarchy.mountPoint}/`));
    return directory ? { destination, type: 'bind', source: directory, options: ['bind', ...options] } : undefined;
  };
  if (v1.length === 0) {
    const options = [...BASE_OPTIONS, ...(readOnly ? ['ro'] : [])];
    const mounts: Mount[] = v2 ? [(own && ownSource(v2, options, root)) || { destination: root, type: 'cgroup2', source: 'cgroup2', options }] : [];
    return { mounts, symlinks: [] };
  }
  const symlinks: CgroupTree['symlinks'] = [];
  const mounts: Mount[] = [{ destination: root, type: 'tmpfs', source: 'tmpfs', options: [...BASE_OPTIONS, 'mode=755', 'size=1024k'] }];
  for (const hierarchy of v1) {
    const named = hierarchy.controllers.find((controller) => controller.startsWith('name='));
    const directory = named ? named.slice('name='.length) : hierarchy.controllers.join(',');
    // Controllers stay read-only; the named (systemd) hierarchy is where systemd keeps its tree.
    const writable = named !== undefined && !readOnly;
    const destination = `${root}/${directory}`;
    mounts.push(
      (own && ownSource(hierarchy, [...BASE_OPTIONS, ...(writable ? [] : ['ro'])], destination)) || {
        destination,
        type: 'cgroup',
        source: 'cgroup',
        options: [...BASE_OPTIONS, ...(writable ? [] : ['ro']), ...hierarchy.controllers],
      },
    );
    if (!named && hierarchy.controllers.length > 1) {
      for (const controller of hierarchy.controllers) symlinks.push([directory, `${root}/${controller}`]);
    }
  }
  if (v2) {
    const options = [...BASE_OPTIONS, ...(readOnly ? ['ro'] : [])];
    mounts.push((own && ownSource(v2, options, `${root}/unified`)) || { destination: `${root}/unified`, type: 'cgroup2', source: 'cgroup2', options });
  }
  return { mounts, symlinks };
}
