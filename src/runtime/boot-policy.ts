/**
 * What booting an operating system means for the runtime, the same for the
 * CLI and the library (systemd-nspawn behaves alike):
 *
 * - SIGINT and SIGTERM to the runtime ask init for an orderly shutdown:
 *   they are passed on as SIGRTMIN+3, systemd's "halt" request.
 * - reboot(2) inside a PID namespace reboots nothing: the kernel ends the
 *   namespace's init with SIGINT for halt and power-off and with SIGHUP for
 *   a restart (pid_namespaces(7)). A halt is a clean exit (status 0); a
 *   restart starts the container again.
 */
import { constants } from 'node:os';
import { plainForwarding, SIGRTMIN_PLUS_3 } from '../host/signals.js';

interface Ended {
  exitCode: number | null;
  signal: number | null;
  status: number;
}

export function isRestartRequest(ended: Ended): boolean {
  return ended.signal === constants.signals.SIGHUP;
}

/** A halt or power-off (SIGINT) is exit status 0; anything else stays as it is. */
export function bootExitStatus<T extends Ended>(ended: T): T {
  return ended.signal === constants.signals.SIGINT ? { ...ended, exitCode: 0, signal: null, status: 0 } : ended;
}

/** The forwarded signals of a booted OS: INT and TERM become SIGRTMIN+3. */
export function bootForwarding(): Array<[number, number]> {
  const { SIGINT, SIGTERM } = constants.signals;
  return plainForwarding().map(([from, to]) => (from === SIGINT || from === SIGTERM ? [from, SIGRTMIN_PLUS_3] : [from, to]));
}
