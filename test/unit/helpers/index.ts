/** Shared helpers for the unit tests (not a test file itself). */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContainerError } from '../../../src/errors.js';

/**
 * Asserts that `fn` throws a ContainerError with exit code 125 whose message
 * contains every one of `parts`.
 */
export function assertContainerError(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ContainerError, `expected a ContainerError, got ${String(error)}`);
    assert.equal(error.exitCode, 125);
    for (const part of parts) {
      assert.ok(error.message.includes(part), `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(part)}`);
    }
    return true;
  });
}

/** A fresh temporary directory; call `remove()` (in after()/finally) to delete it. */
export function makeTempDir(prefix = 'ts-nspawn-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes `content` to `root`/`relative`, creating parent directories. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const path = join(root, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/**
 * Points TS_NSPAWN_STATE_DIR (read at call time by src/state/paths.ts) at a
 * fresh temporary directory; `remove()` restores the variable and deletes it.
 */
export function useTemporaryStateDir(): { path: string; remove: () => void } {
  const dir = makeTempDir('ts-nspawn-state-');
  const previous = process.env.TS_NSPAWN_STATE_DIR;
  process.env.TS_NSPAWN_STATE_DIR = dir.path;
  return {
    path: dir.path,
    remove: () => {
      if (previous === undefined) delete process.env.TS_NSPAWN_STATE_DIR;
      else process.env.TS_NSPAWN_STATE_DIR = previous;
      dir.remove();
    },
  };
}
