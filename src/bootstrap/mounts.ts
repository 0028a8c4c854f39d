/**
 * Mounts under a tree that is about to be removed or renamed. A bootstrap
 * tool may mount /proc, /sys or /dev inside the tree; removing the tree
 * recursively while one is still there would descend into the host's, so
 * every removal goes through removeTree(), which unmounts first and
 * refuses if something stays mounted.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { unescapeMountField } from '../host/mount-field.js';

export { unescapeMountField };

/** The mount points in /proc/mounts `text` at `path` or below it, deepest first. */
export function mountsUnder(path: string, text: string): string[] {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[1];
    if (field === undefined) continue;
    const point = unescapeMountField(field);
    if (point === path || point.startsWith(prefix)) points.add(point);
  }
  return [...points].sort((a, b) => b.length - a.length);
}

/** Mount points at or below `path` (its real path) in this mount namespace, deepest first. */
export function hostMountsUnder(path: string): string[] {
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // gone: compare the path as given
  }
  return mountsUnder(real, readFileSync('/proc/self/mounts', 'utf8'));
}

/** Unmounts everything at or below `path`; throws if something cannot be unmounted. */
export function unmountUnder(path: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    const points = hostMountsUnder(path);
    if (points.length === 0) return;
    for (const point of points) {
      for (const args of [['--recursive', point], ['--lazy', point]]) {
        try {
          execFileSync('umount', args, { stdio: 'ignore' });
          break;
        } catch {
          // try the next way, or it was unmounted with its parent
        }
      }
    }
  }
  const left = hostMountsUnder(path);
  if (left.length > 0) {
    throw new ContainerError(`cannot unmount ${left.join(', ')}: unmount it and remove ${path} by hand`);
  }
}

/** Unmounts what is mounted under `path`, then removes it. */
export function removeTree(path: string): void {
  unmountUnder(path);
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}
