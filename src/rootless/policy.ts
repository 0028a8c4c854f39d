/**
 * What a spec becomes, and what is refused, when the runtime runs rootless.
 *
 * - Its own user namespace, first, with the maps of maps.ts, unless the
 *   spec brings one with maps of its own (newuidmap then checks them).
 * - A cgroup of its own only below a cgroup v2 subtree delegated to the
 *   user (cgroup.ts, scope.ts): then the limits whose controllers that
 *   subtree has work (and the default pids limit, given pids), and a limit
 *   whose controller it lacks is refused, naming the controller. Without
 *   one the user may create no cgroup: no limits (refused), no stats, and
 *   the default pids limit not applying is said once per state directory.
 *   Never a device cgroup: on v2 that is an eBPF program, which needs
 *   root, and none is needed: in a user namespace mknod(2) fails, and the
 *   host's nodes are bound with the user's own access.
 * - Whatever needs host root is refused in one line: a bridge (a veth on a
 *   host bridge), the host's network (sysfs cannot be mounted in a user
 *   namespace that does not own the network namespace), --private-users
 *   (the container already is in a user namespace of the user's ranges),
 *   --cgroup-parent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controllersNeeded } from '../cgroups/controllers.js';
import type { Hierarchy } from '../cgroups/hierarchies.js';
import { PING_GROUP_RANGE } from '../security/capabilities.js';
import type { NspawnSettings } from '../oci/settings.js';
import type { LinuxIDMapping, LinuxResources, Spec } from '../oci/types.js';
import { highestInside, rootlessMaps, findHelper } from './maps.js';
import { notRootless, rootlessUser, type RootlessUser } from './mode.js';
import { ContainerError } from '../errors.js';
import { rootlessCgroup, type DelegatedCgroup } from './cgroup.js';

/** The spec with the rootless user namespace added (INPUT is not validated yet: anything not a spec passes unchanged). */
export function rootlessSpec(input: unknown, user: RootlessUser = rootlessUser()): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const spec = structuredClone(input) as Spec;
  if (typeof spec.linux !== 'object' || spec.linux === null || !Array.isArray(spec.linux.namespaces)) return input;
  const linux = spec.linux;
  if (!linux.namespaces!.some((ns) => ns?.type === 'user')) {
    linux.namespaces = [{ type: 'user' }, ...linux.namespaces!];
    if (linux.uidMappings === undefined && linux.gidMappings === undefined) {
      const maps = rootlessMaps(user);
      linux.uidMappings = maps.uidMappings;
      linux.gidMappings = maps.gidMappings;
    }
  }
  // devpts takes only a mapped gid= (the tty group is not, when only the user is mapped).
  const mapped = (gid: number) => (linux.gidMappings ?? []).some((m) => gid >= m.containerID && gid < m.containerID + m.size);
  for (const mount of Array.isArray(spec.mounts) ? spec.mounts : []) {
    if (mount?.type !== 'devpts' || !Array.isArray(mount.options)) continue;
    mount.options = mount.options.filter((option) => !/^gid=\d+$/.test(option) || mapped(Number(option.slice(4))));
  }
  // The kernel takes only groups mapped in the network namespace's user namespace.
  const sysctl = linux.sysctl;
  if (sysctl && typeof sysctl[PING_GROUP_RANGE.key] === 'string' && Array.isArray(linux.gidMappings)) {
    const [low = '0', high = '0'] = sysctl[PING_GROUP_RANGE.key]!.split(/\s+/);
    sysctl[PING_GROUP_RANGE.key] = `${low} ${Math.min(Number(high), highestInside(linux.gidMappings))}`;
  }
  return spec;
}

const LIMITS: ReadonlyArray<[field: string, flag: string]> = [
  ['pids', '--pids-limit'],
  ['memory', '--memory'],
  ['cpu', '--cpus'],
];

/** Refuses, in one line, what a validated spec asks that cannot work rootless (CGROUP: the delegated cgroup, if any). */
export function checkRootless(spec: Spec, settings: NspawnSettings, cgroup: DelegatedCgroup | undefined = rootlessCgroup()): void {
  if (settings.network) throw notRootless(`--network-bridge ${settings.network.bridge}`, 'a veth on a host bridge needs root; leave it out for a private network with loopback only');
  if (settings.privateUsers) throw notRootless('--private-users', 'a rootless container always gets its own user namespace, made from your ranges in /etc/subuid and /etc/subgid');
  if (settings.cgroupParent !== undefined || spec.linux?.cgroupsPath !== undefined) throw notRootless('--cgroup-parent (linux.cgroupsPath)', 'a rootless container\'s cgroup goes below the cgroup delegated to you, if any; leave it out');
  const namespaces = spec.linux?.namespaces ?? [];
  if (!namespaces.some((ns) => ns.type === 'network')) {
    throw notRootless('--host-network', "sysfs cannot be mounted in a user namespace that does not own the network; leave it out for a private network with loopback only");
  }
  const resources = spec.linux?.resources ?? {};
  if (cgroup) return checkDelegatedControllers(resources, cgroup.directory, cgroup.controllers);
  for (const [field, flag] of LIMITS) {
    const value = (resources as Record<string, unknown>)[field];
    const unlimited = field === 'pids' && (value as { limit?: number } | undefined)?.limit !== undefined && (value as { limit: number }).limit <= 0;
    if (value !== undefined && !unlimited) {
      throw notRootless(`${flag} (linux.resources.${field})`, `limits need a cgroup of the container's own, and without root there is none here (no delegated cgroup v2 subtree: ${HOW_TO_DELEGATE}); leave it out`);
    }
  }
  const other = Object.keys(resources).filter((key) => key !== 'devices' && !LIMITS.some(([field]) => field === key));
  if (other.length > 0) throw notRootless(`linux.resources.${other[0]}`, 'limits need a cgroup of the container\'s own, and without root there is none here; leave it out');
}

/** Where a rootless user gets a delegated cgroup from, in a few words (README: Rootless). */
const HOW_TO_DELEGATE = 'run ts-nspawn where your systemd user manager runs, or in a cgroup delegated to you';

/**
 * Refuses a limit whose controller the delegated cgroup DIRECTORY does not
 * pass on (CONTROLLERS): it would be a file that is not there.
 */
export function checkDelegatedControllers(resources: LinuxResources, directory: string, controllers: readonly string[]): void {
  for (const { field, flag, controller } of controllersNeeded(resources)) {
    if (controllers.includes(controller)) continue;
    throw notRootless(
      `${flag ? `${flag} (linux.resources.${field})` : `linux.resources.${field}`}`,
      `the cgroup delegated to you, ${directory}, has no ${controller} controller (it has: ${controllers.join(' ') || 'none'}); have ${controller} delegated too (systemd: Delegate= of user@.service, see the README's Rootless section) or leave the limit out`,
    );
  }
}

/** The ID-map writer for the spec's maps: the helpers unless only the user's own IDs are mapped. */
export function mapWriter(spec: Spec, user: RootlessUser = rootlessUser()): { uidHelper: string[]; gidHelper: string[] } {
  const own = (maps: LinuxIDMapping[] | undefined, id: number) => maps?.length === 1 && maps[0]!.containerID === 0 && maps[0]!.hostID === id && maps[0]!.size === 1;
  if (own(spec.linux?.uidMappings, user.uid) && own(spec.linux?.gidMappings, user.gid)) return { uidHelper: [], gidHelper: [] };
  const uid = findHelper('newuidmap');
  const gid = findHelper('newgidmap');
  if (!uid || !gid) throw new ContainerError("maps beyond your own uid and gid need newuidmap and newgidmap: install them (Debian's package uidmap)", { code: 'host' });
  return { uidHelper: [uid], gidHelper: [gid] };
}

/**
 * The hierarchies a rootless container sees at /sys/fs/cgroup: only cgroup
 * v2 (mountable inside its own cgroup namespace, read-only to it); v1
 * hierarchies cannot be mounted in a user namespace.
 */
export function rootlessHierarchies(hierarchies: readonly Hierarchy[]): Hierarchy[] {
  return hierarchies.filter((hierarchy) => hierarchy.version === 2);
}

/**
 * A rootless container's root is the user, who owns its cgroup's files,
 * limits included. They hold because the container cannot write them:
 * its cgroup tree is mounted read-only and it lacks CAP_SYS_ADMIN to
 * remount it, or the host's cgroup2 is mounted with nsdelegate (systemd's
 * default), which denies a cgroup namespace's root changing its own
 * limits. A container with neither (a booted OS, whose systemd needs the
 * tree writable, on a host without nsdelegate) gets a warning.
 */
export function warnIfLimitsUnprotected(spec: Spec, nsdelegate = cgroup2NsDelegate()): void {
  if (nsdelegate || controllersNeeded(spec.linux?.resources ?? {}).length === 0) return;
  const writable = (spec.mounts ?? []).some((mount) => mount.type === 'cgroup' && !(mount.options ?? []).includes('ro'));
  const remount = (spec.process?.capabilities?.bounding ?? []).includes('CAP_SYS_ADMIN');
  if (!writable && !remount) return;
  process.stderr.write(`ts-nspawn: warning: the container could raise its own limits: its cgroup tree is ${writable ? 'writable' : 'remountable (CAP_SYS_ADMIN)'}, and this host's cgroup2 is mounted without nsdelegate, which would forbid it\n`);
}

/** Whether the host's cgroup2 hierarchy is mounted with nsdelegate (its super-block options in /proc/self/mountinfo). */
function cgroup2NsDelegate(): boolean {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((entry) => / - cgroup2 /.test(entry));
  return (line?.split(' - ')[1]?.split(' ')[2] ?? '').split(',').includes('nsdelegate');
}

const NOTICE = '.rootless-notice';

/**
 * Says once per state directory that the default pids limit does not
 * apply: the container gets no cgroup of its own, or one without the pids
 * controller.
 */
export function noticeRootlessCgroup(stateRoot: string, boot: boolean, cgroup: DelegatedCgroup | undefined): void {
  if (cgroup?.controllers.includes('pids')) return;
  const marker = join(stateRoot, NOTICE);
  if (existsSync(marker)) return;
  const limit = boot ? 16384 : 2048;
  process.stderr.write(
    cgroup
      ? `ts-nspawn: rootless: the cgroup delegated to you, ${cgroup.directory}, has no pids controller, so the default pids limit (${limit}) does not apply (said once)\n`
      : `ts-nspawn: rootless: containers get no cgroup of their own (no delegated cgroup v2 subtree: ${HOW_TO_DELEGATE}), so the default pids limit (${limit}) does not apply and --memory, --cpus, --pids-limit are refused (said once)\n`,
  );
  try {
    writeFileSync(marker, '', { mode: 0o600 });
  } catch {
    // said again next time
  }
}
