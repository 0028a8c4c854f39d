/** The line that tells a person at a terminal how to leave a console. */
const WHAT = {
  kill: 'kill container',
  detach: 'detach from container',
  'end-exec': 'end this command',
} as const;

export function consoleHint(console: boolean, action: keyof typeof WHAT): void {
  if (console && process.stdin.isTTY) process.stderr.write(`Press Ctrl-] three times within 1s to ${WHAT[action]}.\n`);
}
