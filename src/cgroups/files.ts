/**
 * File I/O on cgroupfs, shared by the v1 and v2 backends: control files are
 * written with one write(2) each, and a cgroup is removed deepest first.
 */
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ContainerError } from '../errors.js';

/**
 * One write to a cgroup control file. Not writeFileSync: its truncation
 * (O_TRUNC, or Bun's ftruncate) costs cgroupfs ten times the write itself.
 * O_APPEND: cgroupfs ignores the offset, and a plain file (the unit tests'
 * fake hierarchy) then keeps every write, in order.
 */
export function writeControlFile(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A control file's text, or undefined when the file does not exist (controller absent, older kernel). */
export function readControlFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A control file holding one number; undefined when absent. */
export function readNumber(path: string): number | undefined {
  const text = readControlFile(path)?.trim();
  return text === undefined || text === '' || text === 'max' ? undefined : Number(text);
}

/** `KEY VALUE` lines (cpu.stat, memory.stat) as a map. */
export function readKeyed(path: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of (readControlFile(path) ?? '').split('\n')) {
    const [key, value] = line.split(' ');
    if (key && value !== undefined) values.set(key, Number(value));
  }
  return values;
}

/**
 * A limit the kernel refused, in one line naming the file and value; for a
 * cpuset, with what the parent allows (a CPU the host lacks is ERANGE or
 * EINVAL, which alone says little).
 */
export function limitError(path: string, value: string, error: unknown): ContainerError {
  let hint = '';
  const cpuset = /cpuset\.(cpus|mems)$/.exec(path);
  if (cpuset) {
    const parent = dirname(dirname(path));
    const allowed = [`cpuset.effective_${cpuset[1]}`, `cpuset.${cpuset[1]}.effective`].map((file) => readControlFile(join(parent, file))?.trim()).find(Boolean);
    if (allowed) hint = ` (${cpuset[1] === 'cpus' ? 'CPUs' : 'memory nodes'} available: ${allowed})`;
  }
  return new ContainerError(`cannot set the cgroup limit ${path} to '${value}': ${(error as Error).message}${hint}`, { code: 'host' });
}

/** The first of the directories that holds FILE: the hierarchy where its controller lives. */
export function directoryWith(directories: readonly string[], file: string): string | undefined {
  return directories.find((directory) => existsSync(join(directory, file)));
}

/**
 * mkdir -p that survives another container removing a shared, empty parent
 * between the parent's and the child's mkdir.
 */
export function makeDirectory(directory: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(directory, { recursive: true });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

/** Every PID in the cgroup and its sub-cgroups (systemd inside makes some). */
export function pidsBelow(directory: string): number[] {
  const pids = (readControlFile(join(directory, 'cgroup.procs')) ?? '').split('\n').filter(Boolean).map(Number);
  for (const child of subdirectories(directory)) pids.push(...pidsBelow(join(directory, child)));
  return pids;
}

/** SIGKILL to each PID (a frozen cgroup's members: none can fork meanwhile); one already gone is fine. */
export function killEach(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Removes a cgroup and its sub-cgroups, deepest first. A cgroup whose last
 * process is still exiting is busy for a moment: retried up to 0.5 s.
 * Sub-cgroups are rare (systemd inside makes them), so they are looked for
 * only once the cgroup proves busy, which is also what one of them makes it.
 */
export function removeTree(directory: string): void {
  let listed = false;
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(directory);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!listed && (code === 'EBUSY' || code === 'ENOTEMPTY')) {
        listed = true;
        const children = subdirectories(directory);
        for (const child of children) removeTree(join(directory, child));
        if (children.length > 0) continue;
      }
      if (code !== 'EBUSY' || attempt >= 500) return;
      sleepMs(1);
    }
  }
}

/** rmdir that only succeeds on an empty cgroup (say, a parent other containers may still use): true once it is gone. */
export function removeIfEmpty(directory: string): boolean {
  try {
    rmdirSync(directory);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function subdirectories(directory: string): string[] {
  // cgroupfs lists control files as regular files; sub-cgroups are directories.
  try {
    // A directory's link count is 2 and one per subdirectory (cgroupfs keeps
    // it too): most cgroups have none, and a stat is far cheaper than a listing.
    if (statSync(directory).nlink <= 2) return [];
    return readdirSync(directory, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}
