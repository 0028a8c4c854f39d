/**
 * `attach`: the console of a detached container. The executor's client
 * mode hands this terminal to the container's monitor, which relays the
 * console to it until Ctrl-] x3 (detach) or the container's end.
 */
import { spawn } from 'node:child_process';
import { quote } from '../quote.js';
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
  const client = spawn(executorPath(), ['attach', containerFile(name, 'attach')], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    client.on('error', reject);
    client.on('close', (code, signal) => resolve(code ?? 128 + (signal ? 1 : 0)));
  });
}
