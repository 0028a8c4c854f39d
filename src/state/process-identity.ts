/**
 * A PID alone can be reused after its process ends, so a recorded process
 * is identified by its PID and its start time (field 22 of /proc/PID/stat,
 * in clock ticks since boot). A record whose process is gone, or whose PID
 * now belongs to another process, is stale.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** The start time of a running process; undefined if there is none, or only its zombie. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has ended; it only waits for its parent (or an idle init) to reap it.
    if (fields[0] === 'Z') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export function identify(pid: number): ProcessIdentity | undefined {
  const startTime = processStartTime(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

export function isAlive(identity: ProcessIdentity | undefined): boolean {
  return identity !== undefined && processStartTime(identity.pid) === identity.startTime;
}
