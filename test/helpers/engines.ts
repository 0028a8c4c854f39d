/**
 * What the engine tests (podman, containerd) share: running a client with
 * its output in files, the ts-runc binary they are given, and the host
 * places an engine writes to outside its private directories (its own
 * cgroup parents, runc-style socket and state directories), noted before
 * and restored after.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
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
 * Runs a command with its output in files, not pipes: a daemon it starts
 * (conmon, a shim) may keep a pipe open that would never reach end-of-file.
 */
export function runToFiles(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'tsn-engine-out-'));
  try {
    const out = openSync(join(dir, 'out'), 'w');
    const err = openSync(join(dir, 'err'), 'w');
    const result = spawnSync(command, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', out, err],
      input: options.input,
      env: options.env,
      timeout: options.timeoutMs ?? 30_000,
    });
    closeSync(out);
    closeSync(err);
    return { status: result.status, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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

/** Removes each of PATHS, in order, that is an empty directory (children before parents). */
export function removeEmptyDirectories(paths: string[]): void {
  for (const path of paths) {
    try {
      rmdirSync(path);
    } catch {
      // not empty or gone
    }
  }
}
