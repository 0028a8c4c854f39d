/**
 * The life of a container after its start: what its state on disk means
 * now (reconciled against the processes that really run), stopping,
 * signalling, removing, and garbage-collecting what crashed.
 *
 * A record is *stale* when the processes it names are gone without the
 * container having been torn down: a monitor that was SIGKILLed, a
 * ts-nspawn killed mid-start, a host that cleared /run (then nothing is
 * left at all). Whoever looks first releases its host resources.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { cgroupPids } from '../cgroups/container-cgroup.js';
import { ContainerError } from '../errors.js';
import { containerDirectory, containerFile } from '../state/paths.js';
import { isAlive } from '../state/process-identity.js';
import type { ContainerRecord, ExitRecord } from '../state/record.js';
import { listNames, readRecord, removeDirectory, writeRecord } from '../state/store.js';
import { bootExitStatus } from './boot-policy.js';
import { releaseHostResources } from './host-resources.js';

import { SIGRTMIN_PLUS_3 } from '../host/signals.js';

export function readExitFile(name: string): ExitRecord | undefined {
  try {
    const match = /^(\d+) (\d+)$/.exec(readFileSync(containerFile(name, 'exit'), 'utf8').trim());
    if (!match) return undefined;
    const [, code = '', signal = ''] = match;
    const exitSignal = Number(signal);
    return exitSignal
      ? { exitCode: null, signal: exitSignal, status: 128 + exitSignal }
      : { exitCode: Number(code), signal: null, status: Number(code) };
  } catch {
    return undefined;
  }
}

/** running, creating or stopped, judged from the processes, not from the record alone. */
function observedStatus(record: ContainerRecord): ContainerRecord['status'] | 'stale' {
  if (record.status === 'stopped') return 'stopped';
  // Written by the supervisor when PID 1 ended: final, even while the supervisor's exit hook still runs.
  if (readExitFile(record.id)) return 'stopped';
  // Handed off to an engine (ts-runc): no monitor of ours, init itself tells.
  if (record.handedOff) return isAlive(record.init) ? record.status : 'stopped';
  if (isAlive(record.supervisor)) return record.status;
  if (record.status === 'creating' && isAlive(record.owner)) return 'creating';
  return 'stale';
}

/**
 * The container's record brought up to date: a container found ended has
 * its host resources released and is marked stopped (a detached one keeps
 * its record and log until `rm`; a foreground one's record is removed).
 */
export async function reconcile(name: string): Promise<ContainerRecord | undefined> {
  const record = readRecord(name);
  if (!record) return undefined;
  const status = observedStatus(record);
  if (status !== 'stopped' && status !== 'stale') return record;
  if (record.status === 'stopped') return record;
  await releaseHostResources(record);
  const ended = readExitFile(name) ?? record.exit;
  const exit = ended && record.boot ? bootExitStatus(ended) : ended;
  const stopped: ContainerRecord = { ...record, status: 'stopped', pid: 0, exit };
  if (!record.detached) {
    removeDirectory(name);
    return stopped;
  }
  writeRecord(stopped);
  return stopped;
}

/** For name allocation: frees the name if its container is gone for good. */
export async function reclaimIfStale(name: string): Promise<boolean> {
  const record = readRecord(name);
  if (!record) {
    // A directory without state: a start just begun, or one that died before writing any.
    if (!abandoned(name)) return false;
    removeDirectory(name);
    return true;
  }
  // A foreground container found ended is released and forgotten by reconcile.
  await reconcile(name);
  return !existsSync(containerDirectory(name));
}

/** Every container with a record; foreground ones found ended are gone, not listed. */
export async function listContainers(): Promise<ContainerRecord[]> {
  const records = await Promise.all(listNames().map(reconcile));
  return records.filter((record): record is ContainerRecord => record !== undefined && (record.detached || record.status !== 'stopped'));
}

export async function requireContainer(name: string): Promise<ContainerRecord> {
  const record = await reconcile(name);
  if (!record) throw new ContainerError(`no container named '${name}': see ts-nspawn list`);
  return record;
}

export async function requireRunning(name: string): Promise<ContainerRecord> {
  const record = await requireContainer(name);
  if (record.status !== 'running' || !isAlive(record.init)) {
    throw new ContainerError(`container '${name}' is not running (${record.status}): start it again with ts-nspawn run or boot`);
  }
  return record;
}

/** Sends a signal to PID 1, or with `all` to every process of the container. */
export async function killContainer(name: string, signal: number, all = false): Promise<void> {
  const record = await requireRunning(name);
  const pids = all ? containerPids(record) : [record.pid];
  for (const pid of pids.length > 0 ? pids : [record.pid]) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/**
 * Graceful stop: SIGRTMIN+3 to a booted systemd (its "halt" request),
 * SIGTERM to anything else, SIGKILL once `timeoutSeconds` have passed.
 */
export async function stopContainer(name: string, timeoutSeconds = 10): Promise<ContainerRecord> {
  const record = await requireRunning(name);
  writeRecord({ ...record, stopRequested: true });
  const gentle = record.boot && initCommandName(record.pid) === 'systemd' ? SIGRTMIN_PLUS_3 : constants.signals.SIGTERM;
  signalInit(record, gentle);
  if (!(await waitForEnd(record, timeoutSeconds * 1000))) {
    signalInit(record, constants.signals.SIGKILL);
    await waitForEnd(record, 10_000);
  }
  return (await reconcile(name)) ?? { ...record, status: 'stopped' };
}

/** Forgets a stopped container; `force` stops it first (SIGKILL). */
export async function removeContainer(name: string, force = false): Promise<void> {
  let record = await requireContainer(name);
  if (record.status !== 'stopped') {
    // A created container never ran its command: removing it needs no -f, as with podman.
    if (!force && record.status !== 'created') throw new ContainerError(`container '${name}' is ${record.status}: stop it first, or use rm -f`);
    writeRecord({ ...record, stopRequested: true });
    signalInit(record, constants.signals.SIGKILL);
    await waitForEnd(record, 10_000);
    record = (await reconcile(name)) ?? record;
  }
  await releaseHostResources(record);
  removeDirectory(name);
}

/** A claimed name whose start never wrote a record, long enough ago that it never will. */
function abandoned(name: string): boolean {
  try {
    return Date.now() - statSync(containerDirectory(name)).mtimeMs > ABANDONED_AFTER_MS;
  } catch {
    return false;
  }
}

const ABANDONED_AFTER_MS = 60_000;

/** Removes every container that is not running, releasing what it left. */
export async function collectGarbage(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of listNames()) {
    if (!readRecord(name) && abandoned(name)) {
      removeDirectory(name);
      removed.push(name);
    }
  }
  for (const record of await listContainers()) {
    if (record.status !== 'stopped') continue;
    await releaseHostResources(record);
    removeDirectory(record.id);
    removed.push(record.id);
  }
  return removed;
}

/** Every process of the container: its cgroup's, or without one, its PID namespace's. */
function containerPids(record: ContainerRecord): number[] {
  if (record.cgroups.length > 0) return cgroupPids(record.cgroups);
  const namespace = namespaceOf(record.pid);
  if (!namespace) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => namespaceOf(pid) === namespace);
}

function namespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function signalInit(record: ContainerRecord, signal: number): void {
  if (!isAlive(record.init)) return;
  try {
    process.kill(record.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Waits until PID 1 is gone; false on time-out. */
async function waitForEnd(record: ContainerRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // isAlive counts a zombie as gone: PID 1 has ended even before it is reaped.
  while (isAlive(record.init)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The monitor reaps and runs its clean-up hook: give it a moment to finish.
  while (isAlive(record.supervisor) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

function initCommandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
