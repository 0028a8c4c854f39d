/**
 * A small busybox root file system for tests (scripts/busybox-tree.sh, the
 * same one the quick start uses) plus the static probe helper. Built once
 * per test file in a temp directory and removed after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TREE_SCRIPT = fileURLToPath(new URL('../../scripts/busybox-tree.sh', import.meta.url));
const PROBE_SOURCE = fileURLToPath(new URL('../fixtures/probe.c', import.meta.url));

export interface TestRoot {
  /** The parent temp directory (remove it with `remove()`). */
  base: string;
  /** The container root directory. */
  root: string;
  remove(): void;
}

export function makeBusyboxRoot(name = 'tsn-root', inittab?: string): TestRoot {
  const base = mkdtempSync(join(tmpdir(), 'tsn-test-'));
  const root = join(base, name);
  try {
    execFileSync('sh', [TREE_SCRIPT, root, ...(inittab === undefined ? [] : [inittab])]);
    execFileSync('gcc', ['-static', '-O2', '-o', join(root, 'bin/probe'), PROBE_SOURCE]);
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
  return { base, root, remove: () => rmSync(base, { recursive: true, force: true }) };
}
