/** The line that tells a person at a terminal how to leave a console. */
import { isTerminal } from '../host/terminal.js';
import { printError } from './output.js';

const WHAT = {
  kill: 'kill container',
  detach: 'detach from container',
  'end-exec': 'end this command',
} as const;

export function consoleHint(console: boolean, action: keyof typeof WHAT): void {
  if (console && isTerminal(0)) printError(`Press Ctrl-] three times within 1s to ${WHAT[action]}.\n`);
}
