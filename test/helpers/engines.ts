/**
 * What the engine tests (podman, containerd) share besides running their
 * clients (oci-runtime.ts): the host places an engine writes to outside
 * its private directories (its own cgroup parents, runc-style socket and
 * state directories), noted before and restored after.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { unescapeMountField } from '../../src/host/mount-field.js';

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The directories at PATHS that exist now. */
export function existing(paths: string[]): Set<string> {
  return new Set(paths.filter((path) => existsSync(path)));
}

/** The top-level cgroup directories named NAME in every hierarchy (e.g. podman's libpod_parent). */
export function topCgroups(name: string): string[] {
  const found: string[] = [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup', { withFileTypes: true })) {
    if (hierarchy.isDirectory() && existsSync(`/sys/fs/cgroup/${hierarchy.name}/${name}`)) found.push(`/sys/fs/cgroup/${hierarchy.name}/${name}`);
  }
  // cgroup v2 only: the hierarchy is /sys/fs/cgroup itself.
  if (existsSync(`/sys/fs/cgroup/${name}/cgroup.procs`)) found.push(`/sys/fs/cgroup/${name}`);
  return found;
}

/** Removes the cgroup tree at DIRECTORY, children first; a cgroup still in use stays (and fails the caller's check). */
export function removeCgroupTree(directory: string): void {
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) removeCgroupTree(join(directory, entry.name));
  try {
    rmdirSync(directory);
  } catch {
    // in use: left for the check to report
  }
}

/**
 * Lazily unmounts what an engine left mounted below DIRECTORY (deepest
 * first): containers/storage may keep its overlay directory mounted on
 * itself after its last process.
 */
export function unmountBelow(directory: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescapeMountField(line.split(' ')[4] ?? ''))
    .filter((point) => point === directory || point.startsWith(`${directory}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
}
