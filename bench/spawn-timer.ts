/**
 * The one way every runner is timed: Node's child_process.spawn, wall time
 * from just before spawn() to the child's 'exit' event, measured with
 * process.hrtime.bigint(). stdout is ignored; stderr is kept to explain a
 * failure. The same code also runs inside crun's private mount namespace
 * (timer-child.ts), so all runners are measured alike.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { track } from './cleanup.js';
import { nsToMs } from './stats.js';

/** Stands for the iteration number in an argv template (unique container IDs). */
export const ITERATION = '{i}';

export class CommandFailed extends Error {
  constructor(
    readonly argv: readonly string[],
    /** One line saying why: the exit status and the last line of stderr. */
    readonly reason: string,
  ) {
    super(`${argv.join(' ')}: ${reason}`);
  }
}

export interface LoopOptions {
  iterations: number;
  warmups: number;
}

/** Times one command at a time, to completion: here, or in another namespace (private-namespace.ts). */
export interface Timer {
  /** Start-to-exit time of argv in ms; rejects with CommandFailed when it does not exit 0. */
  time(argv: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

function describeFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const status = signal ? `killed by ${signal}` : `exit status ${code}`;
  const last = lines.at(-1);
  return last ? `${status}: ${last}` : status;
}

/** Runs argv once to completion; resolves with its start-to-exit time in ms. */
export async function timeOnce(argv: readonly string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  const started = process.hrtime.bigint();
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  track(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const ended = process.hrtime.bigint();
  // Let stderr drain, but do not hang on a descendant that kept it open.
  if (child.stderr && !child.stderr.closed) {
    const timer = setTimeout(() => child.stderr?.destroy(), 2000);
    await once(child.stderr, 'close').catch(() => {});
    clearTimeout(timer);
  }
  if (code !== 0) throw new CommandFailed(argv, describeFailure(code, signal, stderr));
  return nsToMs(ended - started);
}

export function instantiate(template: readonly string[], iteration: number): string[] {
  return template.map((arg) => arg.replaceAll(ITERATION, String(iteration)));
}

/** The timer of this process. */
export const localTimer: Timer = {
  time: (argv) => timeOnce(argv),
  close: async () => {},
};
