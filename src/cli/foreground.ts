/**
 * Runs a container in the foreground of the CLI: tells the user about the
 * console escape, passes signals sent to ts-nspawn on to PID 1, and turns
 * how PID 1 ended into the status to exit with. A booted OS that reboots
 * is started again, as systemd-nspawn does.
 */
import { constants } from 'node:os';
import { defaultForwardedSignals, startContainer, type RunningContainer } from '../runtime/container.js';
import type { ExitStatus } from '../runtime/executor.js';
import { ANNOTATION } from '../spec/annotations.js';
import type { Spec } from '../spec/oci.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** systemd's "halt" request: glibc's SIGRTMIN (34) + 3. */
const SIGRTMIN_PLUS_3 = 37;

export async function runInForeground(spec: Spec): Promise<number> {
  const boot = spec.annotations?.[ANNOTATION.boot] === 'true';
  for (;;) {
    const status = await runOnce(spec, boot);
    // reboot(2) in a PID namespace ends its init with SIGHUP (restart) or SIGINT (halt, power-off).
    if (boot && status.signal === constants.signals.SIGHUP) continue;
    if (boot && status.signal === constants.signals.SIGINT) return 0;
    return status.status;
  }
}

async function runOnce(spec: Spec, boot: boolean): Promise<ExitStatus> {
  const console = spec.process?.terminal === true;
  if (console && process.stdin.isTTY) {
    process.stderr.write('Press Ctrl-] three times within 1s to kill container.\n');
  }
  // Handlers go in before the start: a signal that arrives while the
  // container is being set up is held and passed on once PID 1 runs.
  let container: RunningContainer | undefined;
  const pending: NodeJS.Signals[] = [];
  const forward = (signal: NodeJS.Signals) => (container ? container.kill(signal) : pending.push(signal));
  for (const signal of FORWARDED) process.on(signal, forward);
  let status: ExitStatus;
  try {
    container = await startContainer(spec, {
      escape: console ? 'kill' : 'none',
      forwardSignals: boot ? bootSignals() : defaultForwardedSignals(),
    });
    for (const signal of pending.splice(0)) container.kill(signal);
    status = await container.exited;
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
  }
  if (status.escaped) process.stderr.write('\r\nContainer killed (Ctrl-] pressed three times).\r\n');
  return status;
}

/** A booted system is asked to shut down in order on SIGINT and SIGTERM, as systemd-nspawn does. */
function bootSignals(): Array<[number, number]> {
  const { SIGINT, SIGTERM } = constants.signals;
  return defaultForwardedSignals().map(([from, to]) => (from === SIGINT || from === SIGTERM ? [from, SIGRTMIN_PLUS_3] : [from, to]));
}
