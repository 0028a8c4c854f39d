/**
 * Running a container (or an exec) in the foreground of the CLI: tells the
 * user about the console escape, passes signals sent to ts-nspawn on to the
 * container, and turns how it ended into the status to exit with. What a
 * booted OS does on a signal, a halt or a reboot is the runtime's boot
 * policy, the same for the library.
 */
import { print, printError } from './output.js';
import { FORWARDED_SIGNALS } from '../host/signals.js';
import { createContainer, startContainer, startDetached } from '../runtime/container.js';
import type { ExitStatus } from '../runtime/executor.js';
import type { Spec } from '../oci/types.js';
import { consoleHint } from './console-hint.js';
import { outOfMemoryLine } from './sizes.js';

interface Running {
  kill(signal: NodeJS.Signals): void;
  exited: Promise<ExitStatus>;
}

/**
 * Starts something and forwards our signals to it until it ends. Handlers
 * go in before the start: a signal that arrives during set-up is held and
 * passed on once the process runs.
 */
export async function forwardWhileRunning(start: () => Promise<Running>): Promise<ExitStatus> {
  let running: Running | undefined;
  const pending: NodeJS.Signals[] = [];
  const forward = (signal: NodeJS.Signals) => (running ? running.kill(signal) : pending.push(signal));
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    running = await start();
    for (const signal of pending.splice(0)) running.kill(signal);
    const status = await running.exited;
    if (status.escaped) printError('\r\nContainer killed (Ctrl-] pressed three times).\r\n');
    return status;
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

export async function runInForeground(spec: Spec): Promise<number> {
  const console = spec.process?.terminal === true;
  consoleHint(console, 'kill');
  let name = '';
  const status = await forwardWhileRunning(async () => {
    const container = await startContainer(spec, { escape: console ? 'kill' : 'none' });
    name = container.name;
    return container;
  });
  if (status.outOfMemory) {
    // PID 1 (or the command that reported its child's death) ended by SIGKILL: the OOM killer's.
    const initKilled = status.status === 128 + 9;
    printError(`${console ? '\r\n' : ''}${outOfMemoryLine(name, status.outOfMemory, initKilled)}${console ? '\r' : ''}\n`);
  }
  return status.status;
}

/** Starts (or with `createOnly` only creates) the container in the background and prints its name. */
export async function runDetached(spec: Spec, createOnly = false): Promise<number> {
  const { name } = await (createOnly ? createContainer(spec) : startDetached(spec));
  print(`${name}\n`);
  return 0;
}
