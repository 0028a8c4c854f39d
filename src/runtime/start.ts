/**
 * `start`: the second phase of a created container. Its init waits on the
 * FIFO `start` in its state directory (the executor's `wait-start`);
 * opening the FIFO for reading lets it go on, and the byte it writes back
 * is the proof that it did. A stopped detached container is started again
 * from its stored spec, under the same name, keeping its log.
 */
import { closeSync, constants, openSync, readSync, rmSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { containerFile } from '../state/paths.js';
import { isAlive } from '../state/process-identity.js';
import { writeRecord } from '../state/store.js';
import { restartDetached, type DetachedContainer } from './container.js';
import { requireContainer } from './lifecycle.js';

/** How long init may take to answer once the FIFO is open: it only has to be scheduled. */
const ANSWER_TIMEOUT_MS = 10_000;

export async function startCreated(name: string): Promise<DetachedContainer> {
  const record = await requireContainer(name);
  if (record.status === 'stopped' && record.detached) return restartDetached(name);
  if (record.status !== 'created') {
    throw new ContainerError(`container '${name}' is ${record.status}, not created: only a created or stopped container can be started`);
  }
  const fifo = containerFile(name, 'start');
  try {
    releaseBarrier(fifo, () => isAlive(record.init));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    writeRecord({ ...record, error: { phase: 'start', message } });
    throw new ContainerError(`starting container '${name}' failed: ${message}`);
  }
  rmSync(fifo, { force: true });
  writeRecord({ ...record, status: 'running', started: new Date().toISOString() });
  return { name, pid: record.pid };
}

/**
 * Opens the barrier without blocking (a FIFO opened for reading with
 * O_NONBLOCK never waits for a writer) and reads init's byte. Until init
 * has opened its end, a read sees end-of-file, so it is retried while init
 * lives.
 */
function releaseBarrier(fifo: string, initAlive: () => boolean): void {
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    throw new Error(`cannot open its start barrier: ${(error as Error).message}`);
  }
  try {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    const byte = Buffer.alloc(1);
    for (;;) {
      let read = 0;
      try {
        read = readSync(fd, byte, 0, 1, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
      if (read === 1) return;
      if (!initAlive()) throw new Error('its process ended before it could start');
      if (Date.now() > deadline) throw new Error('its process did not answer within 10 s');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  } finally {
    closeSync(fd);
  }
}
