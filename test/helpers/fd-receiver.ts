/**
 * The part an engine's descriptor receivers share (console-socket.ts,
 * pidfd-socket.ts): a small Python program listening on a Unix socket for
 * a descriptor sent with SCM_RIGHTS, started and waited for until it says
 * "ready", and what it prints collected.
 */
import { spawn } from 'node:child_process';
import { waitFor } from './wait.js';

export interface FdReceiver {
  /** What it printed so far, "ready" first. */
  output(): string;
  stop(): void;
}

/** Starts `python3 -c PROGRAM SOCKET`; `what` names it in a time-out. */
export async function startFdReceiver(what: string, program: string, socket: string): Promise<FdReceiver> {
  const receiver = spawn('python3', ['-c', program, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  receiver.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const stop = () => {
    if (receiver.exitCode === null && receiver.signalCode === null) receiver.kill();
  };
  try {
    await waitFor(what, () => output.includes('ready'));
  } catch (error) {
    stop();
    throw error;
  }
  return { output: () => output, stop };
}
