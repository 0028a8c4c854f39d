/**
 * `create [--bundle DIR] [--pid-file F] [--console-socket S]
 * [--pidfd-socket S] [--preserve-fds N] ID`: every set-up step done, the
 * container's process held before its command (the FIFO barrier), the
 * executor gone: the process belongs to the engine that called us. `run`
 * is create then start.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { ContainerError } from '../../errors.js';
import { checkId, readBundle } from '../bundle.js';
import { string, type RuncCommand, type Values } from '../command.js';
import { preserveCount, preservedFds } from '../preserved-fds.js';

export const CREATE_OPTIONS: RuncCommand['options'] = {
  bundle: { type: 'string', short: 'b' },
  'pid-file': { type: 'string' },
  'console-socket': { type: 'string' },
  'no-pivot': { type: 'boolean' },
  'no-new-keyring': { type: 'boolean' },
  'preserve-fds': { type: 'string' },
  'pidfd-socket': { type: 'string' },
};

/** Creates container ID from the bundle; returns its PID. */
export async function createFromBundle(id: string, values: Values): Promise<number> {
  checkId(id);
  const passFds = preservedFds(preserveCount(values));
  const { directory, spec } = readBundle(string(values.bundle) ?? process.cwd());
  const consoleSocket = string(values['console-socket']);
  if (spec.process?.terminal && !consoleSocket) {
    throw new ContainerError('the spec asks for a terminal (process.terminal) but no --console-socket was given to send it to');
  }
  if (!spec.process?.terminal && consoleSocket) {
    throw new ContainerError('--console-socket was given but the spec asks for no terminal (process.terminal is false)');
  }
  const { claim, spawn } = await import('../../runtime/launch.js');
  const launched = await spawn(await claim(spec, 'created', { name: id, bundle: directory }), {
    handOff: { consoleSocket },
    passFds,
    pidfdSocket: string(values['pidfd-socket']),
  });
  const pidFile = string(values['pid-file']);
  if (pidFile) writePidFile(pidFile, launched.record.pid);
  return launched.record.pid;
}

/** Written whole or not at all: engines read it as soon as we exit. */
export function writePidFile(path: string, pid: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, String(pid));
  renameSync(temporary, path);
}

export const createCommand: RuncCommand = {
  name: 'create',
  usage: 'create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--pidfd-socket SOCKET] [--preserve-fds N] ID',
  summary: 'create a container, held before its process until start',
  options: CREATE_OPTIONS,
  positionals: { min: 1, max: 1 },
  async run(values, [id = '']) {
    await createFromBundle(id, values);
    return 0;
  },
};
