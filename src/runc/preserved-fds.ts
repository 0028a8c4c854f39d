/**
 * runc's `--preserve-fds N` (create, run, exec): our descriptors 3 ..
 * 3+N-1 go to the container's process as its 3, 4, ... . Each must be one
 * the caller gave us: open when ts-runc started, not one it opened itself
 * since (a state file, a directory of the host). The runtime's own
 * start-up descriptors (Bun's or Node's event loop) take the lowest free
 * numbers too, so a caller that passes fewer than it says passes those, as
 * runc passes Go's: runc's rule, N counted from 3.
 */
import { fstatSync, readdirSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { string, type Values } from './command.js';

let atStart: ReadonlySet<number> | undefined;

/** Notes the descriptors open now, at start-up, before the runtime opens any. */
export function noteStartFds(): void {
  atStart = new Set(readdirSync('/proc/self/fd').map(Number));
}

/** The count --preserve-fds gives (0 without it), read as runc's flag parser reads it: below one is none. */
export function preserveCount(values: Values): number {
  const text = string(values['preserve-fds']);
  if (text === undefined) return 0;
  if (!/^[+-]?\d+$/.test(text)) throw new ContainerError(`invalid value ${JSON.stringify(text)} for flag -preserve-fds: parse error`);
  return Math.max(0, Number(text));
}

/**
 * The descriptors 3 .. 3+COUNT-1, checked open and inherited, each before
 * the next, so a count far beyond what is open fails at the first one
 * missing.
 */
export function preservedFds(count: number): number[] {
  const fds: number[] = [];
  for (let i = 0; i < count; i++) {
    const fd = 3 + i;
    try {
      fstatSync(fd);
    } catch (error) {
      throw new ContainerError(`unable to stat preserved-fd ${i} (of ${count}): fd ${fd}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (atStart && !atStart.has(fd)) throw new ContainerError(`preserved-fd ${i} (of ${count}): fd ${fd} was not given to ts-runc by its caller`);
    fds.push(fd);
  }
  return fds;
}
