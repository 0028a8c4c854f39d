/**
 * `exec`: a new process inside a running container. It joins the
 * container's PID namespace (before the executor's clone), its cgroup (from
 * the host side at the `go` sync point) and its other namespaces, so it
 * sees the container's root, processes and network, as a child of PID 1's
 * world but not PID 1.
 */
import { capabilitiesFor } from '../security/capabilities.js';
import { hierarchiesOf } from '../cgroups/hierarchies.js';
import { cgroupManager } from '../cgroups/manager.js';
import { subCgroupDirectories, type SubCgroupRequest } from '../cgroups/sub-cgroup.js';
import { ContainerError } from '../errors.js';
import { compileExecPlan, type SupervisionOptions } from '../plan/compile.js';
import type { Process, Spec } from '../oci/types.js';
import { resolveUser } from '../oci/user.js';
import { validateSpec } from '../oci/validate.js';
import { readStoredSpec } from '../state/store.js';
import { ExecutorSession, type ExitStatus, type Stdio } from './executor.js';
import { quote } from '../quote.js';
import type { ContainerRecord } from '../state/record.js';
import { initProblem } from './container-processes.js';
import { isPaused, ownCgroups } from './freezer.js';
import { requireRunning } from './lifecycle.js';
import { isRootless } from '../rootless/mode.js';
import { checkJoinable } from '../rootless/cgroup.js';

export interface ExecOptions extends Omit<ExecSupervision, 'handOff'> {
  command: string[];
  /** Give the command a PTY (relayed to this process's stdio). */
  console?: boolean;
  /** UID[:GID] or NAME[:GROUP] inside the container; default: the container's user. */
  user?: string;
  /** Extra NAME=VALUE environment entries. */
  env?: string[];
  chdir?: string;
}

export interface RunningExec {
  /** The new process, as the host sees it. */
  pid: number;
  exited: Promise<ExitStatus>;
  kill(signal?: NodeJS.Signals | number): void;
}

export async function startExec(name: string, options: ExecOptions): Promise<RunningExec> {
  if (options.command.length === 0) throw new ContainerError('no command given: say what to run, e.g. ts-nspawn exec NAME /bin/sh');
  const record = await requireRunning(name);
  // Stored state is input too: a tampered config.json must not make exec run on the host.
  const { spec } = readStoredSpec(name, validateSpec);
  return startExecProcess(record, spec, execProcess(spec, record.bundle, options), options);
}

/** How an exec'd process is run, besides the process itself. */
export interface ExecSupervision {
  stdio?: Stdio;
  escape?: SupervisionOptions['escape'];
  forwardSignals?: SupervisionOptions['forwardSignals'];
  /**
   * ts-runc: the executor leaves once the process runs, which goes to the
   * caller's subreaper with the caller's stdio (or its PTY master sent to
   * the console socket); `exited` then says nothing about it.
   */
  handOff?: { consoleSocket?: string };
  /** Our descriptors that become the process's 3, 4, ... (ts-runc's --preserve-fds). */
  passFds?: readonly number[];
  /** A pidfd of the process goes to this Unix socket (ts-runc's --pidfd-socket). */
  pidfdSocket?: string;
  /** Join these sub-cgroups of the container's instead of its own (ts-runc's --cgroup). */
  subCgroups?: SubCgroupRequest;
  /**
   * Exec into a paused container too (ts-runc's --ignore-paused): the
   * process joins the frozen cgroup and waits there, frozen, before its
   * command, and this waits with it until the container is resumed.
   */
  ignorePaused?: boolean;
}

/**
 * Starts `containerProcess` (a whole OCI process, already validated with
 * the container's spec) in the live container of `record`, whose stored
 * spec is `spec`. A paused container is refused (unless `ignorePaused`):
 * its frozen cgroup would hold the new process before its command.
 */
export async function startExecProcess(record: ContainerRecord, spec: Spec, containerProcess: Process, options: ExecSupervision = {}): Promise<RunningExec> {
  const problem = initProblem(record.init);
  if (problem) throw new ContainerError(`container ${quote(record.id)} is not running: ${problem}`, { code: 'not-running' });
  if (!options.ignorePaused && isPaused(record)) throw new ContainerError(`container ${quote(record.id)} is paused: resume it first`, { code: 'paused' });
  // The cgroups init is in (the container's own, or the one a booted systemd moved it to): on
  // cgroup v2 the new process is cloned into it, on v1 it moves itself there first thing.
  const manager = cgroupManager();
  // Rootless without a delegated cgroup the container has none of its own: the process stays in ours, as init did.
  const rootless = isRootless();
  const ownCgroup = !rootless || ownCgroups(record).length > 0;
  if (!ownCgroup && options.subCgroups) throw new ContainerError('--cgroup needs a cgroup of the container\'s own, which a rootless container without a delegated cgroup v2 subtree has not');
  const cgroups = !ownCgroup ? [] : options.subCgroups ? subCgroupDirectories(hierarchiesOf(record.pid), options.subCgroups) : manager.directoriesOf(record.pid);
  if (rootless && cgroups[0]) checkJoinable(manager.directoriesOf(process.pid)[0]!, cgroups[0], record.id);
  const entry = manager.entry(cgroups);
  const plan = compileExecPlan(spec, record.pid, containerProcess, {
    escape: options.escape,
    forwardSignals: options.forwardSignals,
    cloneIntoCgroup: entry.cloneInto,
    joinCgroups: entry.selfJoin,
    handOff: options.handOff,
    preserveFds: options.passFds?.length,
    pidfdSocket: options.pidfdSocket,
  });
  // Handed off, the process keeps our stdio (the engine's pipes or files).
  const session = new ExecutorSession(plan, options.handOff ? 'inherit' : options.stdio, { passFds: options.passFds });
  try {
    const pid = await Promise.race([session.initPid, session.started.then(() => session.initPid)]);
    await session.started;
    // The executor leaves by itself once handed off: its end is no failure.
    if (options.handOff) session.exited.catch(() => {});
    return { pid, exited: session.exited, kill: (signal) => session.signal(signal ?? 'SIGTERM') };
  } catch (error) {
    session.abort();
    await session.exited.catch(() => {});
    throw error;
  }
}

export async function execInContainer(name: string, options: ExecOptions): Promise<ExitStatus> {
  return (await startExec(name, options)).exited;
}

/** The container's own process settings with this exec's command, user, environment and directory. */
function execProcess(spec: Spec, rootDirectory: string, options: ExecOptions): Process {
  const base = spec.process;
  if (!base) throw new ContainerError('the container has no process settings to exec with');
  const env = new Map((base.env ?? []).map((entry) => [entry.slice(0, entry.indexOf('=')), entry] as const));
  for (const entry of options.env ?? []) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new ContainerError(`invalid --setenv '${entry}': expected NAME=VALUE`);
    env.set(entry.slice(0, equals), entry);
  }
  let user = base.user;
  let capabilities = base.capabilities;
  if (options.user !== undefined) {
    const resolved = resolveUser(options.user, rootDirectory);
    user = { uid: resolved.uid, gid: resolved.gid };
    if (resolved.uid !== 0) capabilities = capabilitiesFor(capabilities?.bounding ?? [], resolved.uid);
  }
  if (options.console) env.set('TERM', `TERM=${process.env.TERM || 'vt220'}`);
  return {
    ...base,
    terminal: options.console ?? false,
    args: options.command,
    env: [...env.values()],
    cwd: options.chdir ?? base.cwd,
    user,
    capabilities,
  };
}
