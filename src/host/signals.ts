/**
 * Signal numbers Node.js and Bun do not name: glibc's real-time range
 * (the kernel's 32 and 33 are reserved by glibc) and systemd's request
 * for an orderly shutdown. One copy, for the CLI and the runtime.
 */
import { constants } from 'node:os';

export const SIGRTMIN = 34;
export const SIGRTMAX = 64;
/** systemd's "halt" request: what `stop` and a booted container's SIGTERM become. */
export const SIGRTMIN_PLUS_3 = SIGRTMIN + 3;

/** The signals a container's supervisor passes on to its PID 1 by default. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export type SignalMap = ReadonlyArray<readonly [from: number, to: number]>;

/** Each forwarded signal passed on unchanged. */
export function plainForwarding(): Array<[number, number]> {
  return FORWARDED_SIGNALS.map((name) => [constants.signals[name], constants.signals[name]]);
}
