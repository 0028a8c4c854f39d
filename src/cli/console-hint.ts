/** The line that tells a person at a terminal how to leave a console. */
export function consoleHint(console: boolean, action: 'kill' | 'detach'): void {
  if (console && process.stdin.isTTY) process.stderr.write(`Press Ctrl-] three times within 1s to ${action} container.\n`);
}
