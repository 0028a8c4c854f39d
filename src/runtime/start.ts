/**
 * `start`: the second phase of a created container. Its init waits on the
 * FIFO `start` in its state directory (the executor's `wait-start`);
 * opening the FIFO for reading lets it go on, and the byte it writes back
 * is the proof that it did. A stopped detached container is started again
 * from its stored spec, under the same name, keeping its log.
 */
import { closeSync, constants, openSync, readSync, rmSync } from 'node:fs';
import { constants as os } from 'node:os';
import { ContainerError } from '../errors.js';
import type { Spec } from '../oci/types.js';
import { validateSpec } from '../oci/validate.js';
import type { ContainerRecord } from '../state/record.js';
import { containerFile } from '../state/paths.js';
import { isAlive } from '../state/process-identity.js';
import { readStoredSpec, writeRecord } from '../state/store.js';
import { signalProcess } from './container-processes.js';
import { restartDetached, type DetachedContainer } from './container.js';
import { hookState, runHooks } from './hooks.js';
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
  const hooks = record.init && hasStartHooks(name) ? readStoredSpec(name, validateSpec).spec : undefined;
  // startContainer: in the container, while init still waits at the barrier.
  if (hooks?.hooks?.startContainer?.length) {
    try {
      await runHooks('startContainer', hooks.hooks.startContainer, hookState(record, 'created', record.pid), { kind: 'container', spec: hooks, initPid: record.pid });
    } catch (error) {
      stopAfterFailure(record);
      throw error;
    }
  }
  try {
    releaseBarrier(fifo, () => isAlive(record.init));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    writeRecord({ ...record, error: { phase: 'start', message } });
    throw new ContainerError(`starting container '${name}' failed: ${message}`);
  }
  rmSync(fifo, { force: true });
  writeRecord({ ...record, status: 'running', started: new Date().toISOString() });
  if (hooks?.hooks?.poststart?.length) {
    try {
      await runHooks('poststart', hooks.hooks.poststart, hookState(record, 'running', record.pid));
    } catch (error) {
      stopAfterFailure(record);
      throw error;
    }
  }
  return { name, pid: record.pid };
}

/** Whether the stored spec has hooks `start` runs (read cheaply: most have none). */
function hasStartHooks(name: string): boolean {
  const spec = readStoredSpec<Spec>(name);
  return (spec.hooks?.startContainer?.length ?? 0) > 0 || (spec.hooks?.poststart?.length ?? 0) > 0;
}

/** A start that failed stops the container (runtime-spec lifecycle): its init is killed; `delete` does the rest. */
function stopAfterFailure(record: ContainerRecord): void {
  if (record.init) signalProcess(record.init, os.signals.SIGKILL);
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
