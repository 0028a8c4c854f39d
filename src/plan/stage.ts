/**
 * Locked mounts for a container in its own user namespace.
 *
 * In a mount namespace of the container's user namespace, its root may
 * change any mount it made there: make a read-only bind writable, clear
 * nosuid, unmount a mask. Mounts it receives from a more privileged
 * namespace are locked instead. So the container's tree is built from
 * outside, in a stage of the host's, and init takes a locked copy of it
 * (executor/src/stage.c); this decides which steps go there.
 *
 * Init still mounts what must belong to the container's own namespaces:
 * devpts and mqueue, and the cgroup tree (whose hierarchies show the
 * container's cgroup namespace), with whatever lies beneath them. Those
 * stay unlocked, and hold nothing of the host.
 */
import type { IdMapping, Step } from './steps.js';

/** File systems tied to a namespace of the container: init mounts them. */
const CONTAINER_MOUNTED = new Set(['devpts', 'mqueue', 'cgroup', 'cgroup2']);

/**
 * The file-system steps (from `propagation` to the last `readonly`) as a
 * stage block followed by init's own; undefined where they cannot be
 * staged. `cgroupTrees`: where the cgroup mounts were expanded (all of it
 * init's). `uids`/`gids`: the container's ID maps.
 */
export function stageFileSystem(steps: Step[], cgroupTrees: string[], uids: IdMapping[], gids: IdMapping[]): Step[] | undefined {
  const initRoots = [...cgroupTrees];
  for (const step of steps) if (step.op === 'mount' && CONTAINER_MOUNTED.has(step.fstype)) initRoots.push(step.target);
  const beneathInitRoot = (path: string) => initRoots.some((root) => path === root || path.startsWith(`${root.replace(/\/+$/, '')}/`));
  const stage: Step[] = [];
  const init: Step[] = [];
  for (const step of steps) {
    if (!isInitStep(step, beneathInitRoot)) stage.push(withHostIds(step, uids, gids));
    // A bind's source is a host path, out of init's sight once the stage has pivoted.
    else if ((step.op === 'mount' || step.op === 'mount-copy-up') && step.flags.some((flag) => /^r?(bind|idmap)$/.test(flag))) return undefined;
    else init.push(step);
  }
  return [{ op: 'stage-mounts' }, ...stage, { op: 'stage-end' }, ...init];
}

function isInitStep(step: Step, beneathInitRoot: (path: string) => boolean): boolean {
  switch (step.op) {
    case 'mount':
    case 'mount-copy-up':
      return CONTAINER_MOUNTED.has(step.fstype) || beneathInitRoot(step.target);
    case 'symlink':
    case 'mknod':
    case 'mask':
    case 'readonly':
      return beneathInitRoot(step.path);
    default:
      return false;
  }
}

/**
 * The stage runs with the file-system IDs of the container's root, so a
 * tmpfs it mounts is that root's; but the IDs a tmpfs's options name are
 * read as the host's there, and are translated to them.
 */
function withHostIds(step: Step, uids: IdMapping[], gids: IdMapping[]): Step {
  if ((step.op !== 'mount' && step.op !== 'mount-copy-up') || step.fstype !== 'tmpfs' || !/(^|,)[ug]id=/.test(step.data)) return step;
  const data = step.data.split(',').map((option) => {
    const match = /^(uid|gid)=(\d+)$/.exec(option);
    const host = match && toHost(match[1] === 'uid' ? uids : gids, Number(match[2]));
    return match && host !== undefined ? `${match[1]}=${host}` : option;
  });
  return { ...step, data: data.join(',') };
}

function toHost(maps: IdMapping[], id: number): number | undefined {
  const extent = maps.find((map) => id >= map.containerID && id < map.containerID + map.size);
  return extent && extent.hostID + (id - extent.containerID);
}
