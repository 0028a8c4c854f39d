/**
 * A writable copy of a cached tree for one test: an overlayfs whose lower
 * layer is the cached tree (never written) and whose upper layer is a temp
 * directory, unmounted and removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Overlay {
  root: string;
  remove(): void;
}

export function makeOverlay(lower: string, name: string): Overlay {
  const base = mkdtempSync(join(tmpdir(), 'tsn-overlay-'));
  const root = join(base, name);
  for (const dir of ['upper', 'work', name]) mkdirSync(join(base, dir));
  try {
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${base}/upper,workdir=${base}/work`, root]);
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
  return {
    root,
    remove: () => {
      execFileSync('umount', [root]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * A plain copy of a cached tree (cp -a), for a test whose root must be
 * idmapped (private users): an overlayfs mount cannot be, on Linux 6.18.
 */
export function makeCopy(lower: string, name: string): Overlay {
  const base = mkdtempSync(join(tmpdir(), 'tsn-copy-'));
  const root = join(base, name);
  try {
    execFileSync('cp', ['-a', '--reflink=auto', lower, root]);
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
  return { root, remove: () => rmSync(base, { recursive: true, force: true }) };
}
