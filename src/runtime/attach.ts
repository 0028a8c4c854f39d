/**
 * `attach`: the console of a detached container. The executor's client
 * mode hands this terminal to the container's monitor, which relays the
 * console to it until Ctrl-] x3 (detach) or the container's end.
 */
import { quote } from '../quote.js';
import { constants as osConstants } from 'node:os';
import { ContainerError } from '../errors.js';
import { containerFile } from '../state/paths.js';
import { executorPath } from './executor-path.js';
import { requireRunning } from './lifecycle.js';

/** Resolves with the client's status: 0 after a detach, the container's status if it ended. */
export async function attachConsole(name: string): Promise<number> {
  const record = await requireRunning(name);
  if (!record.detached || !record.console) {
    throw new ContainerError(`container ${quote(name)} has no console to attach to (start it with -d and -t, or boot -d); see ts-nspawn logs -f ${name}`);
  }
  const { spawn } = process.getBuiltinModule('node:child_process');
  const client = spawn(executorPath(), ['attach', containerFile(name, 'attach')], { stdio: 'inherit' });
  // A signal that would end us ends the client first: it restores the
  // terminal and hangs up, so the monitor lets go of our terminal too
  // (killed alone, we would leave it attached and holding our output).
  const forward = (signal: NodeJS.Signals) => client.kill(signal);
  for (const signal of ENDING_SIGNALS) process.on(signal, forward);
  return new Promise<number>((resolve, reject) => {
    client.on('error', reject);
    client.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 1) : 0)));
  }).finally(() => {
    for (const signal of ENDING_SIGNALS) process.off(signal, forward);
  });
}

const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'];
