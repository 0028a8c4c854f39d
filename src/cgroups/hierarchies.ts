/**
 * The cgroup hierarchies of this host and where the calling process sits in
 * each: cgroup v2 (one unified hierarchy), v1 (one per controller set, plus
 * systemd's named "name=systemd" hierarchy) or hybrid (v1 controllers and a
 * cgroup2 mount at /sys/fs/cgroup/unified). Read from /proc, never assumed.
 */
import { readFileSync } from 'node:fs';
import { unescapeMountField } from '../host/mount-field.js';
import { join } from 'node:path';

export interface Hierarchy {
  version: 1 | 2;
  /** Where the hierarchy is mounted on the host. */
  mountPoint: string;
  /** v1: the controllers (and `name=...`) of this hierarchy; v2: empty. */
  controllers: string[];
  /** The caller's cgroup in it, as a host directory. */
  ownDirectory: string;
}

interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  root: string;
  controllers: string[];
}

/**
 * The cgroup mounts in /proc/self/mountinfo. A v1 mount's controllers are
 * those of its options that /proc/self/cgroup names as controllers (the
 * other options, such as noprefix or favordynmods, are mount flags).
 */
function cgroupMounts(mountinfo: string, controllerNames: Set<string>): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const fields = before.split(' ');
    const [fstype, , superOptions = ''] = after.split(' ');
    const root = unescapeMountField(fields[3] ?? '/');
    const mountPoint = unescapeMountField(fields[4] ?? '');
    if (fstype === 'cgroup2') mounts.push({ version: 2, mountPoint, root, controllers: [] });
    if (fstype === 'cgroup') {
      const controllers = superOptions.split(',').filter((option) => controllerNames.has(option));
      mounts.push({ version: 1, mountPoint, root, controllers });
    }
  }
  return mounts;
}

/** /proc/self/cgroup: "ID:CONTROLLERS:PATH" per hierarchy ("0::PATH" for v2). */
function ownCgroups(procCgroup: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match) paths.set(match[1] ?? '', match[2] ?? '/');
  }
  return paths;
}

export function parseHierarchies(mountinfo: string, procCgroup: string): Hierarchy[] {
  const own = ownCgroups(procCgroup);
  const controllerNames = new Set([...own.keys()].flatMap((key) => key.split(',')).filter(Boolean));
  const seen = new Set<string>();
  const hierarchies: Hierarchy[] = [];
  for (const mount of cgroupMounts(mountinfo, controllerNames)) {
    const key = mount.version === 2 ? '' : mount.controllers.join(',');
    // A hierarchy mounted twice is used once; one we are not in cannot be used.
    if (seen.has(key)) continue;
    const path = own.get(key);
    if (path === undefined) continue;
    if (path !== mount.root && !path.startsWith(mount.root === '/' ? '/' : `${mount.root}/`)) continue;
    seen.add(key);
    const relative = mount.root === '/' ? path : path.slice(mount.root.length);
    const ownDirectory = join(mount.mountPoint, relative).replace(/\/+$/, '');
    hierarchies.push({ version: mount.version, mountPoint: mount.mountPoint, controllers: mount.controllers, ownDirectory });
  }
  return hierarchies;
}

/**
 * Reused for a second: one command asks many times (a `delete` reconciles,
 * checks for processes and releases), and within it neither the host's
 * cgroup mounts nor this process's own cgroup move; a long-lived library
 * user still sees a change a second later.
 */
const REUSE_MS = 1000;
let recent: { at: number; hierarchies: Hierarchy[] } | undefined;

export function hostHierarchies(): Hierarchy[] {
  const now = performance.now();
  if (recent && now - recent.at < REUSE_MS) return recent.hierarchies.map((hierarchy) => ({ ...hierarchy, controllers: [...hierarchy.controllers] }));
  const hierarchies = parseHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
  recent = { at: now, hierarchies: hierarchies.map((hierarchy) => ({ ...hierarchy, controllers: [...hierarchy.controllers] })) };
  return hierarchies;
}

/** The hierarchies with process PID's cgroup in each as `ownDirectory` (its paths as this process's cgroup namespace sees them). */
export function hierarchiesOf(pid: number): Hierarchy[] {
  return parseHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
}

/** The host directories of the cgroups process PID is in. */
export function cgroupDirectoriesOf(pid: number): string[] {
  return hierarchiesOf(pid).map((h) => h.ownDirectory);
}

/** The layout, as systemd names it. */
export function layoutOf(hierarchies: Hierarchy[]): 'unified' | 'hybrid' | 'legacy' {
  const hasV1 = hierarchies.some((h) => h.version === 1);
  const hasV2 = hierarchies.some((h) => h.version === 2);
  if (hasV2 && !hasV1) return 'unified';
  return hasV2 ? 'hybrid' : 'legacy';
}
