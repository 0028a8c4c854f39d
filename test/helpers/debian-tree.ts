/**
 * A real Debian tree (made by `bootstrap`, the library function) for tests
 * that need one, built once and cached outside the checkout in
 * /var/cache/ts-nspawn-tests/<suite>-<hash>/debian. The hash covers what
 * goes into the tree (suite, architecture, variant, packages, and
 * TREE_FORMAT for changes to the configuration step), so a change makes a
 * new cache entry. A `complete` file next to the tree marks a finished
 * build; a directory lock keeps parallel test processes from building it
 * twice. Nothing in the tree is meant to be changed by tests: copy it, or
 * use it read-only.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootstrap } from '../../src/bootstrap/bootstrap.js';
import { hostArchitecture, hostDefaultSuite } from '../../src/bootstrap/host.js';
import { removeTree } from '../../src/bootstrap/mounts.js';
import { BASE_PACKAGES, DEFAULT_VARIANT, type BootstrapPhase } from '../../src/bootstrap/options.js';

export const CACHE_ROOT = '/var/cache/ts-nspawn-tests';

/** Bump when the bootstrap writes a different tree for the same packages. */
const TREE_FORMAT = 1;

/** Packages beyond bootstrap's base set. */
export const EXTRA_PACKAGES: string[] = [];

export interface DebianTreeKey {
  suite: string;
  arch: string;
  /** The cache entry: holds `debian/` (the tree) and `complete`. */
  entry: string;
  tree: string;
  marker: string;
}

export function debianTreeKey(): DebianTreeKey {
  const suite = hostDefaultSuite();
  const arch = hostArchitecture();
  const packages = [...BASE_PACKAGES, ...EXTRA_PACKAGES].sort();
  const hash = createHash('sha256')
    .update(JSON.stringify({ format: TREE_FORMAT, suite, arch, variant: DEFAULT_VARIANT, packages }))
    .digest('hex')
    .slice(0, 12);
  const entry = join(CACHE_ROOT, `${suite}-${hash}`);
  return { suite, arch, entry, tree: join(entry, 'debian'), marker: join(entry, 'complete') };
}

export interface BuildInfo {
  /** Whether this call built the tree (false: it was cached). */
  built: boolean;
  /** How long the build took, when it was built. */
  seconds?: number;
}

/** The cached tree's path, bootstrapping it first if it is missing or incomplete. */
export async function cachedDebianTree(
  onProgress?: (phase: BootstrapPhase, detail?: string) => void,
  info: BuildInfo = { built: false },
): Promise<string> {
  const key = debianTreeKey();
  if (isComplete(key)) return key.tree;
  mkdirSync(CACHE_ROOT, { recursive: true });
  const lock = `${key.entry}.lock`;
  await acquire(lock);
  try {
    if (isComplete(key)) return key.tree;
    mkdirSync(key.entry, { recursive: true });
    rmSync(key.marker, { force: true });
    // Leftovers of an interrupted build.
    for (const name of readdirSync(key.entry)) {
      if (name === 'debian' || name.startsWith('debian.tmp-') || name.startsWith('debian.old-')) removeTree(join(key.entry, name));
    }
    const started = Date.now();
    await bootstrap({ directory: key.tree, suite: key.suite, arch: key.arch, include: EXTRA_PACKAGES, ...(onProgress ? { onProgress } : {}) });
    info.built = true;
    info.seconds = (Date.now() - started) / 1000;
    writeFileSync(key.marker, `${JSON.stringify({ builtAt: new Date().toISOString(), seconds: info.seconds })}\n`);
    return key.tree;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isComplete(key: DebianTreeKey): boolean {
  return existsSync(key.marker) && existsSync(join(key.tree, 'etc/os-release'));
}

/** A lock directory holding the owner's pid; a dead owner's lock is taken over. */
async function acquire(lock: string): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), `${process.pid}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!ownerAlive(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    await sleep(1000);
  }
}

function ownerAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8').trim());
  } catch {
    // Just created and the pid not written yet, unless its owner died right then.
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
