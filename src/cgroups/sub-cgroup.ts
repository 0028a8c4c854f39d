/**
 * A sub-cgroup of a container's cgroup for a process exec'd into it
 * (runc's `exec --cgroup`): one path below the container's cgroup in
 * every hierarchy, or on cgroup v1 a path per controller, the hierarchies
 * not named keeping the container's own. The sub-cgroup must exist
 * already (whoever made it chose its limits); it never leads out of the
 * container's cgroup.
 */
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { ContainerError } from '../errors.js';
import type { Hierarchy } from './hierarchies.js';

/** Controller -> path below the container's cgroup; the key '' stands for every hierarchy. */
export type SubCgroupRequest = ReadonlyMap<string, string>;

/**
 * The directories the process joins: for each of the container's
 * hierarchies (`ownDirectory` being the container's cgroup there), the
 * requested path below it, or the container's cgroup itself.
 */
export function subCgroupDirectories(hierarchies: readonly Hierarchy[], request: SubCgroupRequest): string[] {
  const all = request.get('');
  const unified = hierarchies.every((hierarchy) => hierarchy.version === 2);
  if (all === undefined && unified) {
    throw new ContainerError(`invalid --cgroup ${[...request].map(([c, p]) => `${c}:${p}`).join(' ')}: cgroup v2 has one hierarchy, give the path alone (--cgroup PATH)`);
  }
  for (const controller of request.keys()) {
    if (controller !== '' && !hierarchies.some((hierarchy) => hierarchy.controllers.includes(controller))) {
      throw new ContainerError(`invalid --cgroup ${controller}:${request.get(controller)}: no cgroup hierarchy of this host has the controller ${controller}`);
    }
  }
  return hierarchies.map((hierarchy) => {
    const paths = all !== undefined ? [all] : [...new Set(hierarchy.controllers.flatMap((controller) => request.get(controller) ?? []))];
    if (paths.length === 0) return hierarchy.ownDirectory;
    if (paths.length > 1) {
      throw new ContainerError(`invalid --cgroup: the controllers ${hierarchy.controllers.join(',')} share one hierarchy and cannot be in different sub-cgroups (${paths.join(', ')})`);
    }
    return below(hierarchy.ownDirectory, paths[0]!);
  });
}

/** DIRECTORY/SUB, refused if it leads out of DIRECTORY or does not exist. */
function below(directory: string, sub: string): string {
  const joined = posix.join(directory, sub).replace(/(.)\/+$/, '$1');
  if (joined !== directory && !joined.startsWith(`${directory}/`)) {
    throw new ContainerError(`invalid --cgroup ${JSON.stringify(sub)}: it leads out of the container's cgroup`);
  }
  if (!existsSync(posix.join(joined, 'cgroup.procs'))) {
    throw new ContainerError(`the sub-cgroup ${JSON.stringify(sub)} does not exist (${joined}): --cgroup joins an existing cgroup below the container's, create it first`);
  }
  return joined;
}
