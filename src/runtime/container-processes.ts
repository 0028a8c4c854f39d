/**
 * A container's processes, found from the kernel's view rather than from
 * its record: the processes whose cgroup is the container's (a path with
 * the components `ts-nspawn/NAME`, the runtime's own naming rule), and its
 * init if its recorded identity still holds. Signals go through the
 * executor's `signal` subcommand, which sends through a pidfd only after
 * re-checking the process's start time: a PID from a file never reaches
 * kill(2) as it is.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cgroupManager } from '../cgroups/manager.js';
import { isSignallablePid } from '../state/schema.js';
import { processStartTime, type ProcessIdentity } from '../state/process-identity.js';
import { executorPath } from './executor-path.js';

const CGROUP_PARENT = 'ts-nspawn';

/** True if a /proc/PID/cgroup text puts the process in the container NAME's cgroup (or below it). */
export function inContainerCgroup(procCgroup: string, name: string): boolean {
  return procCgroup.split('\n').some((line) => {
    const parts = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1).split('/');
    for (let i = 0; i + 1 < parts.length; i++) if (parts[i] === CGROUP_PARENT && parts[i + 1] === name) return true;
    return false;
  });
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every live process in the container's cgroup, with its start time (zombies have ended and are left out). */
/**
 * The processes in the cgroup whose directories (one per hierarchy) are
 * DIRECTORIES, sub-cgroups included, from the cgroup's own list: what a
 * container with a record has, without reading every process of the host.
 */
export function cgroupMembersIn(directories: string[]): ProcessIdentity[] {
  if (directories.length === 0) return [];
  return cgroupManager()
    .pids(directories)
    .flatMap((pid) => {
      const startTime = isSignallablePid(pid) ? processStartTime(pid) : undefined;
      return startTime === undefined ? [] : [{ pid, startTime }];
    });
}

/** The processes whose cgroup path names the container NAME, found in every process of the host (for a container without a readable record). */
export function cgroupMembers(name: string): ProcessIdentity[] {
  const members: ProcessIdentity[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cgroup = read(`/proc/${pid}/cgroup`);
    if (!isSignallablePid(pid) || cgroup === undefined || !inContainerCgroup(cgroup, name)) continue;
    const startTime = processStartTime(pid);
    if (startTime !== undefined) members.push({ pid, startTime });
  }
  return members;
}

function pidNamespace(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Why a recorded init cannot be the container's PID 1 now; undefined if it can. */
export function initProblem(init: ProcessIdentity | undefined): string | undefined {
  if (!init || !isSignallablePid(init.pid)) return 'no PID 1 is recorded';
  if (processStartTime(init.pid) !== init.startTime) return `its PID 1 (PID ${init.pid}) has ended`;
  const namespace = pidNamespace(init.pid);
  // A container's init is PID 1 of a PID namespace of its own, never a process of ours.
  if (!namespace || namespace === pidNamespace('self')) return `its recorded PID 1 (PID ${init.pid}) is not in a PID namespace of its own`;
  return undefined;
}

export type SignalResult = 'sent' | 'gone' | 'mismatch';

/** Sends `signal` to the process if it still is `identity`; refuses bad PIDs before any syscall. */
export function signalProcess(identity: ProcessIdentity, signal: number): SignalResult {
  if (!isSignallablePid(identity.pid) || !/^\d+$/.test(identity.startTime) || !Number.isInteger(signal) || signal < 0 || signal > 64) {
    return 'mismatch';
  }
  // Loaded on use: under Bun node:child_process costs milliseconds of every start, which never signals.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const result = spawnSync(executorPath(), ['signal', String(identity.pid), identity.startTime, String(signal)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 5000,
  });
  if (result.status === 0) return 'sent';
  if (result.status === 3) return 'gone';
  if (result.status === 4) return 'mismatch';
  throw new Error(`the executor could not send signal ${signal} to PID ${identity.pid}: ${result.stderr?.toString().trim() || result.error?.message || `status ${result.status}`}`);
}
