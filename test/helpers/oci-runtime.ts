/** Running an OCI runtime's command line (ts-runc, or runc for comparison) as an engine does. */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync, type StdioOptions } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TS_RUNC = fileURLToPath(new URL('../../bin/ts-runc', import.meta.url));

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a runtime command with its output in files, not pipes: a created
 * container (or a detached exec) keeps the runtime's stdio, as an engine's
 * pipes, and a pipe held open by it would never reach end-of-file.
 */
export function runtime(binary: string, root: string, args: string[], cwd?: string, extraFds: number[] = []): Run {
  return runToFiles(binary, ['--root', root, ...args], { cwd, timeoutMs: 20_000, extraFds });
}

/**
 * Any command (an engine's client too, whose daemons may hold a pipe) with
 * its output in files; `extraFds` are its descriptors 3, 4, ...
 */
export function runToFiles(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; extraFds?: number[] } = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'tsn-runc-out-'));
  try {
    const out = openSync(join(dir, 'out'), 'w');
    const err = openSync(join(dir, 'err'), 'w');
    const stdio: StdioOptions = ['ignore', out, err, ...(options.extraFds ?? [])];
    const result = spawnSync(command, args, { stdio, env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 30_000 });
    closeSync(out);
    closeSync(err);
    return { status: result.status, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function hasRunc(): boolean {
  // runc 1.1's exec, run from a chroot, lands in the outer root (seen: its
  // `exec` changed the outer /dev): no comparisons where our view of the
  // mounts is not PID 1's (a chroot, or another mount namespace).
  if (readFileSync('/proc/self/mountinfo', 'utf8') !== readFileSync('/proc/1/mountinfo', 'utf8')) return false;
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
