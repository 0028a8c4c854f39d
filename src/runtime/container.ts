/**
 * Starting a container from an OCI spec: preflight checks, a claimed name
 * and state directory, a cgroup, the plan, the executor, host-side set-up
 * at the `wait-go` sync point, and teardown of what the host side made.
 * A foreground container's state goes with it; a detached one is left to
 * its monitor, whose exit hook (`ts-nspawn cleanup NAME`) tears it down.
 */
import { pathOfFileUrl } from '../host/file-url.js';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { rmSync } from 'node:fs';
import { cgroupDirectories, createCgroup, joinCgroup } from '../cgroups/container-cgroup.js';
import { hostHierarchies, layoutOf } from '../cgroups/hierarchies.js';
import { attachToBridge } from '../network/bridge.js';
import { compilePlan, type MonitorOptions, type SupervisionOptions } from '../plan/compile.js';
import { ANNOTATION } from '../spec/annotations.js';
import { machineNameFrom } from '../spec/build-spec.js';
import type { Spec } from '../spec/oci.js';
import { containerFile } from '../state/paths.js';
import { identify } from '../state/process-identity.js';
import type { ContainerRecord } from '../state/record.js';
import { claimName, readStoredSpec, removeDirectory, writeAtomically, writeRecord } from '../state/store.js';
import { ExecutorSession, type ExitStatus, type Stdio } from './executor.js';
import { releaseHostResources } from './host-resources.js';
import { reclaimIfStale } from './lifecycle.js';
import { bridgeOf } from './network-settings.js';
import { preflight } from './preflight.js';

export type { ExitStatus, Stdio } from './executor.js';

export interface StartOptions {
  /** stdio of the container (or of its console relay): inherited by default. */
  stdio?: Stdio;
  /** Console escape (Ctrl-] x3 kills the container); only with a console. */
  escape?: 'kill' | 'none';
  /** Signals passed on to PID 1; defaults to INT, TERM, HUP, QUIT, USR1, USR2 unchanged. */
  forwardSignals?: SupervisionOptions['forwardSignals'];
  /** A cgroup of the container's own; default: for a booted OS and a detached container. */
  cgroup?: boolean;
}

/** A detached container's log is rotated at this size (one older file is kept). */
export const LOG_MAX_BYTES = 1024 * 1024;

/** The CLI, run by the supervisor as its exit hook (`ts-nspawn cleanup NAME`). */
const CLI = pathOfFileUrl(new URL('../../bin/ts-nspawn', import.meta.url));

/** The signals passed on to PID 1 by default. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function defaultForwardedSignals(): Array<[number, number]> {
  return FORWARDED_SIGNALS.map((name) => [constants.signals[name], constants.signals[name]]);
}

/** A foreground container whose command is running. */
export class RunningContainer {
  /** Resolves when PID 1 has ended and the host side is torn down. */
  readonly exited: Promise<ExitStatus>;

  constructor(
    private readonly session: ExecutorSession,
    /** The machine name (unique on this host while the container exists). */
    readonly name: string,
    /** PID 1 of the container, as the host sees it. */
    readonly pid: number,
    teardown: () => Promise<void>,
  ) {
    this.exited = session.exited.finally(teardown);
  }

  get stdin(): Writable | null {
    return this.session.process.stdin;
  }

  get stdout(): Readable | null {
    return this.session.process.stdout;
  }

  get stderr(): Readable | null {
    return this.session.process.stderr;
  }

  /** Sends a signal to the supervisor, which forwards it to PID 1 if it is one of the forwarded signals. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): void {
    this.session.signal(signal);
  }
}

/** A container left running in the background under its monitor. */
export interface DetachedContainer {
  name: string;
  pid: number;
}

export async function startContainer(spec: Spec, options: StartOptions = {}): Promise<RunningContainer> {
  const { session, record } = await launch(spec, options, false);
  return new RunningContainer(session, record.id, record.pid, async () => {
    await releaseHostResources(record);
    removeDirectory(record.id);
  });
}

/** Starts the container under a monitor and returns once its command runs. */
export async function startDetached(spec: Spec, options: Omit<StartOptions, 'stdio'> = {}): Promise<DetachedContainer> {
  const { session, record } = await launch(spec, options, true);
  session.disconnect();
  return { name: record.id, pid: record.pid };
}

/**
 * Starts a detached container again under the same name, keeping its log:
 * what a booted OS's `reboot` asks for.
 */
export async function restartDetached(name: string): Promise<DetachedContainer> {
  const spec = readStoredSpec<Spec>(name);
  rmSync(containerFile(name, 'exit'), { force: true });
  const { session, record } = await launch(spec, {}, true, name);
  session.disconnect();
  return { name: record.id, pid: record.pid };
}

/** Starts the container and waits for PID 1 to end. */
export async function runContainer(spec: Spec, options: StartOptions = {}): Promise<ExitStatus> {
  const container = await startContainer(spec, options);
  return container.exited;
}

/** `sameName`: a restart in the directory of an existing record, instead of claiming a new one. */
async function launch(
  spec: Spec,
  options: StartOptions,
  detach: boolean,
  sameName?: string,
): Promise<{ session: ExecutorSession; record: ContainerRecord }> {
  await preflight(spec);
  const explicitName = spec.annotations?.[ANNOTATION.machine];
  const name = sameName ?? (await claimName(explicitName ?? machineNameFrom(spec.root.path), explicitName !== undefined, reclaimIfStale));
  const record = newRecord(name, spec, detach);
  // A booted OS and a detached container get a cgroup of their own (systemd
  // needs one to manage; a monitor's container is listed and limited by
  // it). So does every container on a cgroup v2 host, where init is cloned
  // straight into it. On v1 a foreground command stays in its caller's,
  // like bwrap or systemd-nspawn --keep-unit: moving a process into a v1
  // cgroup waits for an RCU grace period, half of a whole run's time.
  const hierarchies = hostHierarchies();
  const unified = layoutOf(hierarchies) === 'unified';
  const ownCgroup = options.cgroup ?? (detach || record.boot || unified);
  let session: ExecutorSession | undefined;
  try {
    writeAtomically(containerFile(name, 'config'), JSON.stringify(spec, null, 2) + '\n');
    if (ownCgroup) record.cgroups = cgroupDirectories(name, hierarchies);
    writeRecord(record);
    if (ownCgroup) createCgroup(name, hierarchies);

    const network = bridgeOf(spec);
    const cloneIntoCgroup = ownCgroup && unified ? record.cgroups[0] : undefined;
    const joinFromHost = ownCgroup && !cloneIntoCgroup;
    const waitForHost = joinFromHost || network !== undefined;
    const plan = compilePlan(spec, {
      escape: options.escape,
      forwardSignals: options.forwardSignals ?? defaultForwardedSignals(),
      waitForHost,
      cloneIntoCgroup,
      monitor: detach ? monitorOptions(name) : undefined,
      exitFile: containerFile(name, 'exit'),
      exitCommand: [CLI, 'cleanup', name],
    }, { hierarchies });
    session = new ExecutorSession(plan, options.stdio, { detached: detach });
    const pid = await Promise.race([session.initPid, session.started.then(() => session!.initPid)]);

    if (waitForHost) {
      // Sync point "go": the host side of the container, while init waits.
      if (joinFromHost) joinCgroup(record.cgroups, pid);
      if (network) {
        await attachToBridge(pid, name, network, (hostIf) => {
          record.hostInterfaces = hostIf ? [hostIf] : [];
          writeRecord(record);
        });
      }
      session.go();
    }
    await session.started;
    record.status = 'running';
    record.pid = pid;
    record.init = identify(pid);
    record.supervisor = identify(session.process.pid);
    record.started = new Date().toISOString();
    writeRecord(record);
    return { session, record };
  } catch (error) {
    session?.abort();
    await session?.exited.catch(() => {});
    await releaseHostResources(record);
    // A failed restart keeps the record (and log) of the container, stopped.
    if (sameName) writeRecord({ ...record, status: 'stopped', pid: 0 });
    else removeDirectory(name);
    throw error;
  }
}

function newRecord(name: string, spec: Spec, detached: boolean): ContainerRecord {
  const annotations = spec.annotations ?? {};
  return {
    ociVersion: spec.ociVersion,
    id: name,
    status: 'creating',
    pid: 0,
    bundle: spec.root.path,
    annotations,
    created: new Date().toISOString(),
    command: spec.process?.args ?? [],
    console: spec.process?.terminal === true,
    detached,
    boot: annotations[ANNOTATION.boot] === 'true',
    owner: identify(process.pid),
    addresses: bridgeOf(spec)?.addresses ?? [],
    hostInterfaces: [],
    cgroups: [],
  };
}

function monitorOptions(name: string): MonitorOptions {
  return {
    logPath: containerFile(name, 'log'),
    logMaxBytes: LOG_MAX_BYTES,
    attachSocket: containerFile(name, 'attach'),
  };
}
