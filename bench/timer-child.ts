/**
 * The timer that private-namespace.ts starts inside crun's private mount
 * namespace. It reads one JSON request per line, {"argv": [...]}, times it
 * exactly as the bench does in-process (timeOnce) and answers one line,
 * {"ms": N} or {"error": "why"}. Entering the namespace (unshare, umount,
 * Node start-up) happens once, before any run, so no sample includes it.
 */
import { createInterface } from 'node:readline';
import { CommandFailed, timeOnce } from './spawn-timer.js';

for await (const line of createInterface({ input: process.stdin })) {
  const { argv } = JSON.parse(line) as { argv: string[] };
  let answer: { ms: number } | { error: string };
  try {
    answer = { ms: await timeOnce(argv) };
  } catch (error) {
    answer = { error: error instanceof CommandFailed ? error.reason : (error as Error).message };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
