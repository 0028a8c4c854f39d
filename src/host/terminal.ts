/**
 * Whether a file descriptor is a terminal, for the console default ("a PTY
 * when stdin is a terminal"). Not process.stdin.isTTY or node:tty: under
 * Bun either loads the stream machinery, ~8 ms of every container start.
 * A terminal is a character device of a tty driver: virtual consoles and
 * serial ports (major 4), /dev/tty and /dev/console (5), pseudo-terminals
 * (136-143), USB and other serial drivers, named /dev/tty*.
 */
import { fstatSync, readlinkSync } from 'node:fs';

export function isTerminal(fd: number): boolean {
  let stat;
  try {
    stat = fstatSync(fd);
  } catch {
    return false;
  }
  if (!stat.isCharacterDevice()) return false;
  const major = Math.floor(stat.rdev / 256) & 0xfff;
  if (major === 4 || major === 5 || (major >= 136 && major <= 143)) return true;
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith('/dev/tty');
  } catch {
    return false;
  }
}
