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
import { cgroupManager, DEFAULT_CGROUP_PARENT } from '../cgroups/manager.js';
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';
import { checkName, codedError } from '../state/names.js';
import { containerDirectory } from '../state/paths.js';
import { isAlive, processStartTime, type ProcessIdentity } from '../state/process-identity.js';
import type { ContainerRecord, ExitRecord } from '../state/record.js';
import { isOwnCgroupPath } from '../state/schema.js';
import { listNames, readExit, readState, readStoredSpec, removeDirectory, writeRecord, type StoredState } from '../state/store.js';
import { validateSpec } from '../oci/validate.js';
import type { Spec } from '../oci/types.js';
import { hookState, runPoststopHooks } from './hooks.js';
import { bootExitStatus } from './boot-policy.js';
import { cgroupMembers, cgroupMembersIn, initProblem, signalProcess } from './container-processes.js';
import { releaseHostResources, type CgroupEnd } from './host-resources.js';
import { waitUntil } from './wait-until.js';

import { SIGRTMIN_PLUS_3 } from '../host/signals.js';

/** The exit file the supervisor wrote, if it is a valid one (see state/schema.ts). */
export function readExitFile(name: string): ExitRecord | undefined {
  return readExit(name);
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
  const state = await reconcileState(name);
  return state.kind === 'ok' ? state.record : undefined;
}

/** Like reconcile, but tells a missing record from a corrupt one (which is never acted on). */
async function reconcileState(name: string): Promise<StoredState> {
  let state = readState(name);
  if (state.kind !== 'ok') return state;
  // PID 1 ended and its monitor runs the exit hook (the monitor's own process, exec'd), which
  // releases what the container held and records what its cgroup counted (an OOM kill): its
  // record is the one to trust, so it is waited for rather than raced.
  const supervisor = state.record.supervisor;
  if (state.record.status !== 'stopped' && supervisor && supervisor.pid !== process.pid && readExitFile(name) && isAlive(supervisor)) {
    await settles(() => isAlive(supervisor), 5000);
    state = readState(name);
    if (state.kind !== 'ok') return state;
  }
  const record: ContainerRecord = state.record;
  const status = observedStatus(record);
  if (status !== 'stopped' && status !== 'stale') return state;
  if (record.status === 'stopped') return state;
  // A dead monitor is not a dead container: while any of its processes runs, nothing is released.
  // (Once PID 1 has ended the kernel kills the rest of its PID namespace: they get a moment to go.)
  const lingering = () => stillRunning(record).length > 0;
  if (lingering() && !(readExitFile(name) && (await settles(lingering, 500)))) return state;
  const { outOfMemory } = await releaseOwned(record);
  const ended = readExitFile(name) ?? record.exit;
  const exit = ended && record.boot ? bootExitStatus(ended) : ended;
  const stopped: ContainerRecord = { ...record, status: 'stopped', pid: 0, exit, ...(outOfMemory ? { outOfMemory } : {}) };
  if (!record.detached) {
    removeDirectory(name);
    return { kind: 'ok', record: stopped };
  }
  writeRecord(stopped);
  return { kind: 'ok', record: stopped };
}

/**
 * What still runs of the container: its init if its identity holds, and
 * every process in its cgroup (found by the runtime's naming rule, not from
 * the record). `record` is absent for a record that cannot be read.
 */
function stillRunning(record: ContainerRecord | undefined, name = record?.id ?? ''): ProcessIdentity[] {
  const members = cgroupProcesses(record, name);
  const init = record?.init;
  if (init && !initProblem(init) && !members.some((member) => member.pid === init.pid)) members.unshift(init);
  return members;
}

/**
 * Releases the container's veth and cgroups: only those the runtime's own
 * rules make for this name (the schema checked the record's), cgroups only
 * inside a cgroup hierarchy of this host.
 */
async function releaseOwned(record: Pick<ContainerRecord, 'id' | 'hostInterfaces' | 'cgroups' | 'networkHelper'>): Promise<CgroupEnd> {
  return releaseHostResources({ id: record.id, hostInterfaces: record.hostInterfaces, cgroups: ownedCgroups(record), networkHelper: record.networkHelper });
}

/** The container's cgroups by the runtime's own rules: the record's (the schema checked them) and the default place for its name, inside a cgroup hierarchy of this host. */
function ownedCgroups(record: Pick<ContainerRecord, 'id' | 'cgroups'>): string[] {
  const mounts = cgroupMountPoints();
  const inHierarchy = (path: string) => mounts.some((mount) => path.startsWith(mount === '/' ? '/' : `${mount}/`));
  return [...new Set([...record.cgroups, ...ownCgroupDirectories(record.id)])].filter((path) => isOwnCgroupPath(path, record.id) && inHierarchy(path));
}

/**
 * The processes in the container's cgroup: from its cgroups' own lists when
 * it has a record, else from every process of the host whose cgroup path
 * names it (a record that cannot be read may have had any --cgroup-parent).
 */
function cgroupProcesses(record: ContainerRecord | undefined, name: string): ProcessIdentity[] {
  return record ? cgroupMembersIn(ownedCgroups(record)) : cgroupMembers(name);
}

function ownCgroupDirectories(name: string): string[] {
  try {
    return cgroupManager().directories(`${DEFAULT_CGROUP_PARENT}/${name}`);
  } catch {
    return [];
  }
}

function cgroupMountPoints(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((line) => / - cgroup2? /.test(line))
      .map((line) => line.split(' ')[4] ?? '')
      .filter((mount) => mount.startsWith('/'));
  } catch {
    return [];
  }
}

/** Polls until `busy` turns false (true), or the time is up (false). */
function settles(busy: () => boolean, timeoutMs: number): Promise<boolean> {
  return waitUntil(() => !busy(), timeoutMs);
}

/** For name allocation: frees the name if its container is gone for good. */
export async function reclaimIfStale(name: string): Promise<boolean> {
  const state = readState(name);
  if (state.kind === 'corrupt') return false;
  if (state.kind === 'missing') {
    // A directory without state: a start just begun, or one that died before writing any.
    if (!abandoned(name) || stillRunning(undefined, name).length > 0) return false;
    removeDirectory(name);
    return true;
  }
  // A foreground container found ended is released and forgotten by reconcile.
  await reconcile(name);
  return !existsSync(containerDirectory(name));
}

/** Every container with a record; foreground ones found ended are gone, not listed. */
export async function listContainers(): Promise<ContainerRecord[]> {
  const entries = await listEntries();
  return entries.flatMap((entry) => (entry.record ? [entry.record] : []));
}

/** A container as `list` shows it: its record, or why its record cannot be used. */
export interface ListEntry {
  name: string;
  record?: ContainerRecord;
  corrupt?: string;
}

/** Every container with a record, corrupt ones included (reported, never acted on). */
export async function listEntries(): Promise<ListEntry[]> {
  const entries = await Promise.all(
    listNames().map(async (name): Promise<ListEntry | undefined> => {
      const state = await reconcileState(name);
      if (state.kind === 'corrupt') return { name, corrupt: state.reason };
      if (state.kind === 'missing') return undefined;
      return state.record.detached || state.record.status !== 'stopped' ? { name, record: state.record } : undefined;
    }),
  );
  return entries.filter((entry): entry is ListEntry => entry !== undefined);
}

export async function requireContainer(name: string): Promise<ContainerRecord> {
  checkName(name);
  const state = await reconcileState(name);
  if (state.kind === 'corrupt') throw corruptError(name, state.reason);
  if (state.kind === 'missing') throw codedError(`no container named ${quote(name)}: see ts-nspawn list`, 'not-found');
  return state.record;
}

function corruptError(name: string, reason: string): ContainerError {
  return codedError(`container ${quote(name)} is corrupt: ${reason}; nothing was done; remove it with ts-nspawn rm ${name}`, 'corrupt');
}

export async function requireRunning(name: string): Promise<ContainerRecord> {
  const record = await requireContainer(name);
  if (record.status !== 'running') {
    throw codedError(`container ${quote(name)} is not running (${record.status}): start it again with ts-nspawn run or boot`, 'not-running');
  }
  const problem = initProblem(record.init);
  if (problem) throw codedError(`container ${quote(name)} is recorded as running, but ${problem}: see ts-nspawn status ${name}`, 'not-running');
  return record;
}

/** Sends a signal to PID 1, or with `all` to every process of the container (found by its cgroup). */
export async function killContainer(name: string, signal: number, all = false): Promise<void> {
  signalContainer(await requireRunning(name), signal, all);
}

/**
 * killContainer's signalling, for a live container's record (ts-runc's
 * kill takes a created one too, whose init waits at the start barrier).
 */
export function signalContainer(record: ContainerRecord, signal: number, all = false): void {
  const cgroups = cgroupManager();
  const directories = record.cgroups.filter((path) => isOwnCgroupPath(path, record.id));
  if (!all) {
    signalInit(record, signal);
    // Paused: on cgroup v1 a frozen process dies only once thawed; other signals wait for `resume`, as with runc.
    if (signal === constants.signals.SIGKILL) thawIfFrozen(directories);
    return;
  }
  // SIGKILL to all: the cgroup kills them itself (cgroup.kill on v2; frozen, then killed, on v1).
  if (signal === constants.signals.SIGKILL && directories.length > 0) return cgroups.killAll(directories);
  // Any other signal: frozen while it is sent, so that no process forks one that would miss it.
  let frozen = false;
  try {
    if (directories.length > 0) {
      cgroups.freeze(directories);
      frozen = true;
    }
  } catch {
    // no freezer here: signalled as they are
  }
  try {
    for (const member of containerProcesses(record)) signalProcess(member, signal);
  } finally {
    if (frozen) cgroups.thaw(directories);
  }
}

/**
 * Graceful stop: SIGRTMIN+3 to a booted systemd (its "halt" request),
 * SIGTERM to anything else, SIGKILL once `timeoutSeconds` have passed.
 */
export async function stopContainer(name: string, timeoutSeconds = 10): Promise<ContainerRecord> {
  const record = await requireRunning(name);
  writeRecord({ ...record, stopRequested: true });
  const gentle = record.boot && initCommandName(record.init!.pid) === 'systemd' ? SIGRTMIN_PLUS_3 : constants.signals.SIGTERM;
  signalInit(record, gentle);
  // A paused container is thawed to take its signal: it is meant to end.
  thawIfFrozen(record.cgroups.filter((path) => isOwnCgroupPath(path, record.id)));
  if (!(await waitForEnd(record, timeoutSeconds * 1000))) {
    signalInit(record, constants.signals.SIGKILL);
    await waitForEnd(record, 10_000);
  }
  return (await reconcile(name)) ?? { ...record, status: 'stopped' };
}

/**
 * Forgets a stopped container; `force` kills it first (SIGKILL to its init
 * and its cgroup). The record goes only once none of its processes runs.
 * A corrupt record is removed the same way, releasing nothing it names.
 */
export async function removeContainer(name: string, force = false): Promise<void> {
  checkName(name);
  const state = await reconcileState(name);
  // A directory without a record is a start in progress, unless it was abandoned long ago.
  if (state.kind === 'missing' && !abandoned(name)) {
    throw codedError(`no container named ${quote(name)}: see ts-nspawn list`, 'not-found');
  }
  let record = state.kind === 'ok' ? state.record : undefined;
  // A created container never ran its command: removing it needs no -f, as with podman.
  if (record?.status === 'created') force = true;
  // Reconciled: a record not stopped now has a live monitor, a start in progress, or live processes.
  const active = () => (record !== undefined && record.status !== 'stopped') || stillRunning(record, name).length > 0;
  if (active()) {
    if (!force) throw runningError(name, stillRunning(record, name), 'remove');
    if (record) writeRecord({ ...record, stopRequested: true });
    await killAndWait(record, name, 10_000);
    if (record) record = (await reconcile(name)) ?? record;
    if (active()) throw runningError(name, stillRunning(record, name), 'remove');
  }
  // A corrupt record names nothing trustworthy: only what the runtime's rules give for the name.
  await releaseOwned(record ?? { id: name, hostInterfaces: [], cgroups: [] });
  await deleteRecord(record, name);
}

/** The state directory removed, then the spec's poststop hooks run (runtime-spec: after the container is deleted). */
async function deleteRecord(record: ContainerRecord | undefined, name: string): Promise<void> {
  const spec = record ? storedSpec(name) : undefined;
  removeDirectory(name);
  if (record && spec) await runPoststopHooks(spec, hookState(record, 'stopped'));
}

/** The stored spec if it has poststop hooks and is a valid one (a corrupt one runs no hook). */
function storedSpec(name: string): Spec | undefined {
  try {
    const spec = readStoredSpec<Spec>(name);
    return spec.hooks?.poststop?.length ? readStoredSpec(name, validateSpec).spec : undefined;
  } catch {
    return undefined;
  }
}

function runningError(name: string, running: ProcessIdentity[], verb: string): ContainerError {
  const pids = running.slice(0, 5).map((p) => p.pid).join(', ') + (running.length > 5 ? ', ...' : '');
  const what = running.length > 0 ? `${running.length} of its processes still run (PID ${pids})` : 'it is running';
  return codedError(
    `cannot ${verb} container ${quote(name)}: ${what}; stop it with ts-nspawn stop ${name}, or kill and remove it with ts-nspawn rm -f ${name}`,
    'running',
  );
}

/** SIGKILL to a verified init and to everything in the container's cgroup, until nothing runs (or time-out). */
async function killAndWait(record: ContainerRecord | undefined, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const directories = (record?.cgroups ?? []).filter((path) => isOwnCgroupPath(path, name));
  // Sent again on every check: a process forked meanwhile gets its SIGKILL too.
  await waitUntil(() => {
    if (record && !initProblem(record.init)) signalProcess(record.init!, constants.signals.SIGKILL);
    for (const member of cgroupProcesses(record, name)) signalProcess(member, constants.signals.SIGKILL);
    thawIfFrozen(directories);
    return stillRunning(record, name).length === 0;
  }, timeoutMs);
  if (record) await waitForEnd(record, Math.max(0, deadline - Date.now()));
}

/** A paused container's cgroup thawed, so that the SIGKILLs sent to it take effect (cgroup v1). */
function thawIfFrozen(directories: string[]): void {
  if (directories.length === 0) return;
  try {
    const cgroups = cgroupManager();
    if (cgroups.frozen(directories)) cgroups.thaw(directories);
  } catch {
    // gone meanwhile: nothing left to thaw
  }
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

/**
 * Removes every container that is not running, releasing what it left.
 * Records that cannot be read are left for `rm` (and reported by `list`);
 * nothing is removed while any of its processes runs.
 */
export async function collectGarbage(onKept?: (name: string, why: string) => void): Promise<string[]> {
  const removed: string[] = [];
  for (const name of listNames()) {
    if (readState(name).kind === 'missing' && abandoned(name) && stillRunning(undefined, name).length === 0) {
      removeDirectory(name);
      removed.push(name);
    }
  }
  for (const entry of await listEntries()) {
    if (entry.corrupt) onKept?.(entry.name, corruptError(entry.name, entry.corrupt).message);
    const record = entry.record;
    if (!record || record.status !== 'stopped') continue;
    const running = stillRunning(record);
    if (running.length > 0) {
      onKept?.(record.id, runningError(record.id, running, 'remove').message);
      continue;
    }
    await releaseOwned(record);
    await deleteRecord(record, record.id);
    removed.push(record.id);
  }
  return removed;
}

/** Every process of the container: its cgroup's, or without one, its init's PID namespace's. */
function containerProcesses(record: ContainerRecord): ProcessIdentity[] {
  const members = cgroupMembers(record.id);
  if (members.length > 0 || record.cgroups.length > 0) return members;
  const namespace = namespaceOf(record.init!.pid);
  if (!namespace) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid > 1 && namespaceOf(pid) === namespace)
    .flatMap((pid) => {
      const startTime = processStartTime(pid);
      return startTime === undefined ? [] : [{ pid, startTime }];
    });
}

function namespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Signals PID 1 through a pidfd, only while its identity (start time, own PID namespace) holds. */
function signalInit(record: ContainerRecord, signal: number): void {
  if (initProblem(record.init)) return;
  signalProcess(record.init!, signal);
}

/** Waits until PID 1 is gone; false on time-out. */
async function waitForEnd(record: ContainerRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // A zombie counts as gone (PID 1 has ended before it is reaped); so does a PID 1 whose identity does not hold.
  if (!(await waitUntil(() => initProblem(record.init) !== undefined, timeoutMs))) return false;
  // The monitor reaps and runs its clean-up hook: give it a moment to finish.
  await waitUntil(() => !isAlive(record.supervisor), Math.max(0, deadline - Date.now()));
  return true;
}

function initCommandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
