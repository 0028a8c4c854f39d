/**
 * Everything the bench makes (temp dirs, bundles, containers) registers how
 * to undo it here, so it is undone at the end, on failure and on Ctrl-C
 * alike. A signal only sets a flag and stops the children in flight: the
 * loops notice it between runs, and the normal `finally` path cleans up.
 */
import type { ChildProcess } from 'node:child_process';

type Action = () => void | Promise<void>;

const actions: Array<{ label: string; action: Action }> = [];
const children = new Set<ChildProcess>();
let caught: NodeJS.Signals | undefined;

export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** Registers an undo step; steps run last-registered first. */
export function onCleanup(label: string, action: Action): void {
  actions.push({ label, action });
}

export async function cleanUp(): Promise<void> {
  for (let entry = actions.pop(); entry; entry = actions.pop()) {
    try {
      await entry.action();
    } catch (error) {
      process.stderr.write(`bench: clean-up of ${entry.label} failed: ${(error as Error).message}\n`);
    }
  }
}

/** Children in flight, so that a signal can stop them instead of waiting. */
export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
}

export function throwIfInterrupted(): void {
  if (caught) throw new Interrupted(caught);
}

function stop(signal: NodeJS.Signals): void {
  if (caught) {
    // A second signal means "now": give up on the rest of the clean-up.
    process.stderr.write(`bench: ${signal} again, exiting without finishing clean-up\n`);
    process.exit(130);
  }
  caught = signal;
  process.stderr.write(`bench: ${signal}, stopping and cleaning up (send again to exit at once)\n`);
  for (const child of children) child.kill('SIGTERM');
}

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  // Output piped into `head` that has quit: stop and clean up instead of
  // dying of EPIPE (stderr often goes to the same pipe, hence both).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      if (!caught) stop('SIGPIPE');
    });
  }
}
