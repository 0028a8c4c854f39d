/**
 * How a booted OS ended. reboot(2) inside a PID namespace does not reboot
 * anything: the kernel ends the namespace's init with SIGINT for halt and
 * power-off, and with SIGHUP for a restart (pid_namespaces(7)). ts-nspawn
 * reports a halt as a clean exit and starts the container again after a
 * restart, as systemd-nspawn does.
 */
import { constants } from 'node:os';

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
