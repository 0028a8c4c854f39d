/**
 * The phases of bringing a container up, each callable on its own:
 *
 *   claim    preflight, a name and state directory, the record (status
 *            `creating`) and the spec on disk;
 *   spawn    the container's cgroup made, the plan compiled, the
 *            executor started, the host side done (a bridge's veth, the
 *            user-mode network helper) while init waits at `go`, then
 *            init released: it runs to its command (`run`) or stops at the
 *            create/start barrier just before it (`create`);
 *   rollback whatever a failed phase left, so nothing stays on the host.
 *
 * `start` of a created container is in start.ts. Every front door (run,
 * run -d, create, a reboot) is a sequence of these phases.
 */
import { join, relative } from 'node:path';
import { CLI_FILE } from '../host/own-files.js';
import { deviceFilterTokens } from '../cgroups/device-rules.js';
import { hostHierarchies, type Hierarchy } from '../cgroups/hierarchies.js';
import { cgroupManager, containerCgroupPath, setUpContainerCgroup } from '../cgroups/manager.js';
import type { SignalMap } from '../host/signals.js';
import { plainForwarding } from '../host/signals.js';
import { attachToBridge } from '../network/bridge.js';
import { provideResolvConf } from '../network/resolv-conf.js';
import { startUserNetwork } from '../network/user-mode.js';
import { compilePlan, hasCreateHooks, type MonitorOptions } from '../plan/compile.js';
import { machineNameFrom } from '../oci/build-spec.js';
import type { Spec } from '../oci/types.js';
import { settingsOf, type NspawnSettings } from '../oci/settings.js';
import { containerFile } from '../state/paths.js';
import { identify } from '../state/process-identity.js';
import type { ContainerRecord } from '../state/record.js';
import { claimName, removeDirectory, writeAtomically, writeRecord } from '../state/store.js';
import { bootForwarding } from './boot-policy.js';
import { ExecutorSession, type Stdio } from './executor.js';
import { releaseHostResources, type CgroupEnd } from './host-resources.js';
import { hookState, runHooks, runPoststopHooks } from './hooks.js';
import { reclaimIfStale } from './lifecycle.js';
import { preflight } from './preflight.js';
import { claimUserNamespace } from './private-users.js';
import { delegateCgroups } from '../cgroups/delegate.js';
import { isRootless } from '../rootless/mode.js';
import { mapWriter, noticeRootlessCgroup, rootlessHierarchies, warnIfLimitsUnprotected } from '../rootless/policy.js';
import { rootlessCgroup } from '../rootless/cgroup.js';
import { stateRoot } from '../state/paths.js';

/** A detached container's log is rotated at this size (one older file is kept). */
export const LOG_MAX_BYTES = 1024 * 1024;


/**
 * How the container is run: in the foreground of the caller, detached
 * under its monitor and started at once, or detached and only created
 * (held at the create/start barrier until `start`).
 */
export type LaunchMode = 'foreground' | 'detached' | 'created';

export interface LaunchOptions {
  stdio?: Stdio;
  /**
   * ts-runc: once init is created (or runs), the executor leaves and init
   * goes to the engine that called us, whose subreaper reaps it; its stdio
   * is ours (the engine's pipes) unless a console socket gets a PTY.
   */
  handOff?: { consoleSocket?: string };
  /** ts-runc's --preserve-fds: our descriptors that become the command's 3, 4, ... */
  passFds?: readonly number[];
  /** ts-runc's --pidfd-socket: a pidfd of init goes to this Unix socket. */
  pidfdSocket?: string;
  /** Console escape (Ctrl-] x3 kills the container); only with a console. */
  escape?: 'kill' | 'none';
  /** Signals passed on to PID 1; default: the boot policy for a booted OS, else each unchanged. */
  forwardSignals?: SignalMap;
}

/** What the claim phase made, for the later phases and for rollback. */
export interface Claimed {
  spec: Spec;
  /** ts-nspawn's own settings, read from the spec by validateSpec. */
  settings: NspawnSettings;
  mode: LaunchMode;
  record: ContainerRecord;
  hierarchies: Hierarchy[];
  /** The container's cgroup, relative to the hierarchy roots (made by spawn). */
  cgroupPath: string;
  /** Rootless: the delegated cgroup it goes below (cgroups/delegated.ts); none for root. */
  delegatedCgroup?: string;
  /** A restart in the directory of an existing record (its log kept). */
  restart: boolean;
}

export interface Launched extends Claimed {
  session: ExecutorSession;
}

export interface ClaimOptions {
  /** A restart under the name (and in the directory) of an existing record. */
  sameName?: string;
  /** The name to claim, instead of the spec's machine name (ts-runc's container ID). */
  name?: string;
  /** The OCI state's `bundle` (ts-runc); default: the root directory. */
  bundle?: string;
}

/** Phase 1: the name and the record. */
export async function claim(input: Spec, mode: LaunchMode, options: ClaimOptions = {}): Promise<Claimed> {
  const rootless = isRootless();
  const hierarchies = rootless ? rootlessHierarchies(hostHierarchies()) : hostHierarchies();
  // Rootless, a cgroup only below one delegated to the user (rootless/cgroup.ts).
  const delegated = rootless ? rootlessCgroup() : undefined;
  const { spec, settings } = await preflight(input);
  if (delegated) warnIfLimitsUnprotected(spec);
  const explicitName = options.name ?? settings.machine;
  const name = options.sameName ?? (await claimName(explicitName ?? machineNameFrom(spec.root.path), explicitName !== undefined, reclaimIfStale));
  const record = newRecord(name, spec, settings, mode !== 'foreground');
  if (options.bundle) record.bundle = options.bundle;
  const ownPath = containerCgroupPath(spec, name);
  const cgroupPath = delegated ? join(relative(hierarchies[0]!.mountPoint, delegated.directory), ownPath) : ownPath;
  const claimed: Claimed = { spec, settings, mode, record, hierarchies, cgroupPath, delegatedCgroup: delegated?.directory, restart: options.sameName !== undefined };
  try {
    // The range first (recorded under its lock): the stored spec carries its maps.
    await claimUserNamespace(spec, settings, record);
    // The user-mode network's DNS forwarder, mounted over the tree's resolv.conf: part of the stored spec.
    provideResolvConf(spec, settings, containerFile(name, 'resolvConf'), rootless);
    writeAtomically(containerFile(name, 'config'), JSON.stringify(spec, null, 2) + '\n');
    if (rootless) noticeRootlessCgroup(stateRoot(), settings.boot, delegated);
    if (rootless && !delegated) {
      // Without a delegated cgroup there is no cgroup to make (rootless/policy.ts).
      writeRecord(record);
      return claimed;
    }
    // Recorded before they exist, so that whoever cleans up finds them.
    record.cgroups = cgroupManager(hierarchies).directories(cgroupPath);
    writeRecord(record);
  } catch (error) {
    await rollback(claimed, undefined, error);
  }
  return claimed;
}

/** Phase 2: the executor started and init released, up to its command or the barrier. */
export async function spawn(claimed: Claimed, options: LaunchOptions = {}): Promise<Launched> {
  const { spec, mode, record } = claimed;
  const name = record.id;
  const network = claimed.settings.network;
  const userNetwork = claimed.settings.userNetwork;
  const cgroups = cgroupManager(claimed.hierarchies, { delegatedRoot: claimed.delegatedCgroup });
  const entry = cgroups.entry(record.cgroups);
  // Rootless there is no device program: attaching one needs root (rootless/policy.ts).
  const devices = isRootless() ? undefined : spec.linux?.resources?.devices;
  const deviceProgram = devices && cgroups.deviceProgramDirectory(record.cgroups);
  const waitForHost = network !== undefined || userNetwork !== undefined;
  let session: ExecutorSession | undefined;
  try {
    const plan = compilePlan(spec, {
      escape: options.escape,
      forwardSignals: options.forwardSignals ?? (record.boot ? bootForwarding() : plainForwarding()),
      waitForHost,
      cloneIntoCgroup: entry.cloneInto,
      joinCgroups: entry.selfJoin,
      deviceFilter: devices && deviceProgram ? { path: deviceProgram, rules: deviceFilterTokens(devices) } : undefined,
      // Handed off, nobody of ours stays: no monitor, no exit file or hook (the engine reaps, then deletes).
      monitor: mode === 'foreground' || options.handOff ? undefined : monitorOptions(name),
      startBarrier: mode === 'created' ? containerFile(name, 'start') : undefined,
      handOff: options.handOff,
      preserveFds: options.passFds?.length,
      pidfdSocket: options.pidfdSocket,
      userMapWriter: isRootless() ? mapWriter(spec) : undefined,
      exitFile: options.handOff ? undefined : containerFile(name, 'exit'),
      exitCommand: options.handOff ? undefined : [CLI_FILE, 'cleanup', name],
    }, { hierarchies: claimed.hierarchies, cgroupDirectories: record.cgroups });
    // Every container gets a cgroup of its own, for its limits, its device
    // policy and its stats, made before the executor starts: init is cloned
    // straight into it (cgroup v2) or moves itself there first thing (v1).
    // A booted system under private users manages its own subtree (delegate.ts).
    if (record.cgroups.length > 0) {
      setUpContainerCgroup(cgroups, claimed.cgroupPath, spec);
      if (record.boot && record.userRange) delegateCgroups(claimed.hierarchies, record.cgroups, record.userRange.base);
    }
    // Handed off, the executor keeps our stdio for init (the engine's pipes) and leaves by itself.
    session = new ExecutorSession(plan, options.handOff ? 'inherit' : options.stdio, {
      detached: mode !== 'foreground' && !options.handOff,
      passFds: options.passFds,
    });
    const ready = mode === 'created' ? session.created : session.started;
    const pid = await Promise.race([session.initPid, ready.then(() => session!.initPid)]);
    if (waitForHost) {
      // Sync point "go": the host side of the container's network, while init waits.
      if (network) {
        await attachToBridge(pid, name, network, (hostIf) => {
          record.hostInterfaces = hostIf ? [hostIf] : [];
          writeRecord(record);
        });
      }
      if (userNetwork) {
        const files = { pidFile: containerFile(name, 'networkPid'), log: containerFile(name, 'networkLog'), apiSocket: containerFile(name, 'networkApi') };
        await startUserNetwork(pid, userNetwork, files, (helper) => {
          record.networkHelper = helper;
          writeRecord(record);
        });
      }
      session.go();
    }
    await runSetUpHooks(claimed, session, pid);
    await ready;
    record.status = mode === 'created' ? 'created' : 'running';
    record.init = identify(pid);
    // Already ended and reaped (a command that is done at once): no PID to show
    // or signal any more; the exit file the supervisor writes tells the rest.
    record.pid = record.init ? pid : 0;
    if (options.handOff) record.handedOff = true;
    else record.supervisor = identify(session.process.pid);
    if (mode !== 'created') record.started = new Date().toISOString();
    writeRecord(record);
    // Before `start` (here: the launch) returns; a failure stops the container (runtime-spec 1.3, runc).
    if (mode !== 'created') await runHooks('poststart', spec.hooks?.poststart, hookState(record, 'running', pid));
    // The executor leaves by itself once handed off: its end is no failure.
    if (options.handOff) session.exited.catch(() => {});
    else if (mode !== 'foreground') session.disconnect();
    return { ...claimed, session };
  } catch (error) {
    return rollback(claimed, session, error);
  }
}

/**
 * The hooks init waits for (docs/executor.md, sync point 3a): prestart,
 * createRuntime and createContainer before pivot_root; startContainer just
 * before the command when nothing else (a created container's `start`)
 * runs them.
 */
async function runSetUpHooks(claimed: Claimed, session: ExecutorSession, pid: number): Promise<void> {
  const { spec, record, mode } = claimed;
  const hooks = spec.hooks;
  const ready = mode === 'created' ? session.created : session.started;
  if (hasCreateHooks(hooks)) {
    await Promise.race([session.hookPoint('create'), ready]);
    const state = hookState(record, 'creating', pid);
    await runHooks('prestart', hooks?.prestart, state);
    await runHooks('createRuntime', hooks?.createRuntime, state);
    await runHooks('createContainer', hooks?.createContainer, state, { kind: 'container-setup', spec, initPid: pid });
    session.resume();
  }
  if (mode !== 'created' && (hooks?.startContainer?.length ?? 0) > 0) {
    await Promise.race([session.hookPoint('start'), ready]);
    await runHooks('startContainer', hooks?.startContainer, hookState(record, 'created', pid), { kind: 'container', spec, initPid: pid });
    session.resume();
  }
}

/**
 * Undoes a failed phase: init killed, host resources released, the state
 * directory removed -- except for a restart, whose record (and log) stays,
 * stopped, saying what failed. A container that got as far as its
 * executor is deleted as `delete` would: its poststop hooks run.
 */
async function rollback(claimed: Claimed, session: ExecutorSession | undefined, error: unknown): Promise<never> {
  session?.abort();
  await session?.exited.catch(() => {});
  await releaseHostResources(claimed.record, claimed.hierarchies);
  if (session) await runPoststopHooks(claimed.spec, hookState(claimed.record, 'stopped'));
  if (claimed.restart) {
    const message = error instanceof Error ? error.message : String(error);
    writeRecord({ ...claimed.record, status: 'stopped', pid: 0, error: { phase: 'restart', message } });
  } else {
    removeDirectory(claimed.record.id);
  }
  throw error;
}

/** The host side of a foreground container, released when it has ended. */
export async function teardown(launched: Claimed): Promise<CgroupEnd> {
  const end = await releaseHostResources(launched.record, launched.hierarchies);
  removeDirectory(launched.record.id);
  await runPoststopHooks(launched.spec, hookState(launched.record, 'stopped'));
  return end;
}

function newRecord(name: string, spec: Spec, settings: NspawnSettings, detached: boolean): ContainerRecord {
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
    boot: settings.boot,
    owner: identify(process.pid),
    addresses: settings.network?.addresses ?? [],
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
