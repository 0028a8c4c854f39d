/** Parsers for option values shared by several verbs, with errors that quote the bad value. */
import { constants } from 'node:os';
import { ContainerError } from '../errors.js';
import { SIGRTMAX, SIGRTMIN } from '../host/signals.js';


/** A signal by number, name (TERM, SIGTERM) or real-time offset (RTMIN+3, SIGRTMAX-1). */
export function parseSignal(text: string): number {
  const upper = text.toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(upper)) {
    const number = Number(upper);
    if (number >= 1 && number <= SIGRTMAX) return number;
  }
  const named = (constants.signals as Record<string, number>)[`SIG${upper}`];
  if (named !== undefined) return named;
  const realtime = /^RT(MIN|MAX)([+-]\d+)?$/.exec(upper);
  if (realtime) {
    const number = (realtime[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + Number(realtime[2] ?? 0);
    if (number >= SIGRTMIN && number <= SIGRTMAX) return number;
  }
  throw new ContainerError(`unknown signal '${text}': give a name like TERM, HUP, RTMIN+3 or a number from 1 to ${SIGRTMAX}`);
}

export function parseNonNegative(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new ContainerError(`invalid ${what} '${text}': expected a number of 0 or more`);
  }
  return value;
}
