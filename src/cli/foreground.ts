/**
 * Running a container (or an exec) in the foreground of the CLI: tells the
 * user about the console escape, passes signals sent to ts-nspawn on to the
 * container, and turns how it ended into the status to exit with. A booted
 * OS that reboots is started again, as systemd-nspawn does.
 */
import { print, printError } from './output.js';
import { constants } from 'node:os';
import { defaultForwardedSignals, FORWARDED_SIGNALS, startContainer, startDetached } from '../runtime/container.js';
import { bootExitStatus, isRestartRequest } from '../runtime/boot-exit.js';
import type { ExitStatus } from '../runtime/executor.js';
import { SIGRTMIN_PLUS_3 } from '../runtime/lifecycle.js';
import { settingsOf } from '../spec/settings.js';
import type { Spec } from '../spec/oci.js';
import { consoleHint } from './console-hint.js';

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
  const boot = settingsOf(spec).boot;
  const console = spec.process?.terminal === true;
  for (;;) {
    consoleHint(console, 'kill');
    const status = await forwardWhileRunning(() =>
      startContainer(spec, { escape: console ? 'kill' : 'none', forwardSignals: boot ? bootSignals() : defaultForwardedSignals() }),
    );
    if (!boot) return status.status;
    if (isRestartRequest(status)) continue;
    return bootExitStatus(status).status;
  }
}

/** Starts the container in the background and prints its name. */
export async function runDetached(spec: Spec): Promise<number> {
  const boot = settingsOf(spec).boot;
  const { name } = await startDetached(spec, { forwardSignals: boot ? bootSignals() : defaultForwardedSignals() });
  print(`${name}\n`);
  return 0;
}

/** A booted system is asked to shut down in order on SIGINT and SIGTERM, as systemd-nspawn does. */
function bootSignals(): Array<[number, number]> {
  const { SIGINT, SIGTERM } = constants.signals;
  return defaultForwardedSignals().map(([from, to]) => (from === SIGINT || from === SIGTERM ? [from, SIGRTMIN_PLUS_3] : [from, to]));
}
