/**
 * OCI spec -> plan. This is where the container's set-up order is decided;
 * the executor only walks the result. Pure and root-free, so it is unit
 * tested directly.
 */
import type { Hierarchy } from '../cgroups/hierarchies.js';
import { ContainerError } from '../errors.js';
import { capabilityMask } from '../oci/capabilities.js';
import { rlimitValue } from '../oci/rlimits.js';
import { expandCgroupMount } from './cgroup-mounts.js';
import { parseCpuList, personalityStep, processAttributeSteps, timeNamespaceSteps } from './process-attributes.js';
import { DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES, DEFAULT_PATH } from '../oci/defaults.js';
import type { Device, Hook, Hooks, LinuxIDMapping, LinuxSeccomp, Mount, NamespaceType, Process, Spec } from '../oci/types.js';
import { settingsOf } from '../oci/settings.js';
import { stageFileSystem } from './stage.js';
import { compileSeccomp } from '../security/seccomp-rules.js';
import type { MountCreate, Plan, Step } from './steps.js';

/** How the container is supervised: not part of its configuration, but of how the caller runs it. */
export interface SupervisionOptions {
  /** Console escape: three Ctrl-] within a second kill the container. */
  escape?: 'kill' | 'none';
  /** Signals the supervisor passes on to the container's PID 1 (from -> to). */
  forwardSignals?: ReadonlyArray<readonly [from: number, to: number]>;
  /** Hold init after the clone until the caller has done host-side set-up (cgroup, network). */
  waitForHost?: boolean;
  /** cgroup v2: create init directly in this cgroup directory instead of moving it there. */
  cloneIntoCgroup?: string;
  /** cgroup v1: the `tasks` files init writes "0" to as its first step, moving itself into its cgroup. */
  joinCgroups?: readonly string[];
  /** cgroup v2: the device policy as an eBPF program on this cgroup (rules: deviceFilterTokens). */
  deviceFilter?: { path: string; rules: string[] };
  /** Where the supervisor records PID 1's end, for whoever looks later. */
  exitFile?: string;
  /**
   * The runtime's clean-up, run in place of the supervisor once the
   * container is gone and nobody else is there to clean up (always for a
   * monitor; in the foreground only if the caller died).
   */
  exitCommand?: string[];
  /** Run detached, the executor staying on as the container's monitor. */
  monitor?: MonitorOptions;
  /** Create only: init waits on this FIFO (made by the executor) just before its command, until `start`. */
  startBarrier?: string;
  /** ts-runc: the executor leaves once init is created or runs; a console's PTY master goes to this socket. */
  handOff?: { consoleSocket?: string };
  /** ts-runc's --preserve-fds: how many descriptors the executor is given after its control channel, for the command's 3, 4, ... */
  preserveFds?: number;
  /** ts-runc's --pidfd-socket: a pidfd of the process goes to this Unix socket. */
  pidfdSocket?: string;
  /** Rootless: the ID maps are written unprivileged, by these helpers (newuidmap/newgidmap argv), or without them (only the user's own IDs). */
  userMapWriter?: { uidHelper: string[]; gidHelper: string[] };
}

export interface MonitorOptions {
  logPath: string;
  logMaxBytes: number;
  /** Where `attach` clients connect (console containers only). */
  attachSocket: string;
}

/** Executor names of the namespaces an `exec` joins (the PID namespace is joined apart). */
const JOIN_NAMES: Partial<Record<NamespaceType, string>> = {
  user: 'user',
  mount: 'mount',
  uts: 'uts',
  ipc: 'ipc',
  network: 'net',
  cgroup: 'cgroup',
  time: 'time',
};

/** Executor names of the namespaces joined by path (`join-ns`). */
const JOIN_NS_NAMES: Partial<Record<NamespaceType, string>> = { ...JOIN_NAMES, pid: 'pid' };

/** The umask a command starts with when the spec gives none (runc's too). */
export const DEFAULT_UMASK = 0o022;

/** Executor names of the namespaces created at clone time. */
const CLONE_NAMES: Partial<Record<NamespaceType, string>> = {
  mount: 'mount',
  pid: 'pid',
  uts: 'uts',
  ipc: 'ipc',
  network: 'net',
  user: 'user',
};

/** mount(2) flags the executor knows; any other option is file-system data. */
const MOUNT_FLAGS = new Set([
  'ro', 'nosuid', 'nodev', 'noexec', 'sync', 'dirsync', 'noatime', 'nodiratime', 'relatime', 'strictatime',
  'bind', 'rbind', 'idmap', 'ridmap', 'private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable',
]);
/** Options that only restate a default. */
const NO_OP_OPTIONS = new Set(['rw', 'suid', 'dev', 'exec', 'async', 'atime', 'diratime', 'defaults']);
/**
 * Options for the runtime, not the file system (runc's extensions):
 * `tmpcopyup` fills a tmpfs with what it covers; `notmpcopyup` says not to.
 */
const RUNTIME_OPTIONS = new Set(['tmpcopyup', 'notmpcopyup']);

/** What the compiler needs to know about the host it compiles for. */
export interface CompileHost {
  /** cgroup hierarchies, to expand a `cgroup` mount; none: no cgroup mounts. */
  hierarchies?: Hierarchy[];
  /** The container's cgroup directories: what a `cgroup` mount shows without a cgroup namespace. */
  cgroupDirectories?: string[];
}

/** Hooks that run while init waits before pivot_root (the `create` hook point). */
export function hasCreateHooks(hooks: Hooks | undefined): boolean {
  return [hooks?.prestart, hooks?.createRuntime, hooks?.createContainer].some((list) => (list?.length ?? 0) > 0);
}

export function compilePlan(spec: Spec, supervision: SupervisionOptions = {}, host: CompileHost = {}): Plan {
  const containerProcess = spec.process;
  // validateSpec refuses such a spec; this guards callers that compile a spec of their own.
  if (!containerProcess) throw new ContainerError('the spec has no process to run', { code: 'invalid-spec', path: 'process' });
  const namespaces = spec.linux?.namespaces ?? [];
  const created = new Set(namespaces.filter((ns) => !ns.path).map((ns) => ns.type));
  const plan: Step[] = [];

  // Supervisor steps.
  // The cgroup namespace is unshared by init later, once it sits in its final cgroup.
  plan.push({ op: 'namespaces', types: [...created].flatMap((type) => CLONE_NAMES[type] ?? []) });
  plan.push(...supervisorSteps(containerProcess, supervision), ...joinCgroupSteps(supervision));
  // Not a clone flag: its offsets can be written only while no process is in it.
  if (created.has('time')) plan.push(...timeNamespaceSteps(spec.linux));
  if (created.has('user')) plan.push(userMapStep(spec, supervision.userMapWriter));
  if (created.has('user') && supervision.userMapWriter) plan.push({ op: 'user-map-writer', ...supervision.userMapWriter });
  // Created or joined: either way mknod is refused in it.
  const userns = namespaces.some((ns) => ns.type === 'user');

  // Init steps: identity and namespaces. Namespaces given by path are
  // joined first (a PID namespace by the supervisor, before the clone).
  if (!containerProcess.terminal) plan.push({ op: 'setsid' });
  for (const ns of namespaces) {
    if (!ns.path) continue;
    const type = JOIN_NS_NAMES[ns.type];
    if (!type) throw new ContainerError(`joining a ${ns.type} namespace is not supported`, { code: 'invalid-spec', path: ns.path });
    plan.push({ op: 'join-ns', type, path: ns.path });
  }
  if (created.has('cgroup')) plan.push({ op: 'unshare', types: ['cgroup'] });
  if (created.has('uts') && spec.hostname) plan.push({ op: 'hostname', name: spec.hostname });
  if (created.has('uts') && spec.domainname) plan.push({ op: 'domainname', name: spec.domainname });
  if (created.has('network')) plan.push({ op: 'loopback-up' });
  // While init still sees the host's /proc (before pivot_root); the command inherits them.
  plan.push(...processAttributeSteps(containerProcess), ...personalityStep(spec.linux));

  // The file system: private propagation first, so nothing leaks either way.
  if (created.has('mount')) {
    const { steps, cgroupTrees } = fileSystemSteps(spec, host, created, userns);
    // In its own user namespace (made here: a user-map) the container could undo its mounts, unless they are locked.
    const userMap = plan.find((step) => step.op === 'user-map');
    const stageable = !supervision.userMapWriter && namespaces.every((ns) => !ns.path) && !hasCreateHooks(spec.hooks);
    const staged = stageable && userMap?.op === 'user-map' ? stageFileSystem(steps, cgroupTrees, userMap.uids, userMap.gids) : undefined;
    plan.push(...(staged ?? steps));
    // Init is cloned into the stage's mount namespace, and unshares its own at `stage-mounts`.
    const cloned = plan[0];
    if (staged && cloned?.op === 'namespaces') cloned.types = cloned.types.filter((type) => type !== 'mount');
  }

  const startHooks = (spec.hooks?.startContainer?.length ?? 0) > 0;
  plan.push(...processSteps(containerProcess, spec.linux?.seccomp, supervision.startBarrier, startHooks));
  return plan;
}

/** The file system's steps, from the propagation to the last read-only path; and where cgroup trees were expanded. */
function fileSystemSteps(spec: Spec, host: CompileHost, created: Set<NamespaceType>, userns: boolean): { steps: Step[]; cgroupTrees: string[] } {
  const steps: Step[] = [];
  const cgroupTrees: string[] = [];
  steps.push({ op: 'propagation', mode: propagationMode(spec.linux?.rootfsPropagation) });
  // Idmapped: the tree is seen shifted into the container's range, never changed on disk.
  const idmapped = created.has('user') && settingsOf(spec).privateUsers?.ownership === 'map';
  steps.push({ op: idmapped ? 'enter-root-idmapped' : 'enter-root', path: spec.root.path });
  const mounts = spec.mounts ?? [];
  for (const mount of mounts) {
    if (mount.type !== 'cgroup') {
      steps.push(mountStep(mount));
      continue;
    }
    const tree = expandCgroupMount(mount, host.hierarchies ?? [], created.has('cgroup') ? undefined : host.cgroupDirectories ?? []);
    cgroupTrees.push(mount.destination);
    steps.push(...tree.mounts.map(mountStep));
    for (const [target, path] of tree.symlinks) steps.push({ op: 'symlink', target, path });
  }
  if (mounts.some((mount) => mount.destination === '/dev' && !isBind(mount))) {
    steps.push(...deviceSteps(spec.linux?.devices ?? [], spec.process?.terminal ?? false, userns));
  }
  // prestart, createRuntime, createContainer: the mounts are there, the old root still is.
  if (hasCreateHooks(spec.hooks)) steps.push({ op: 'wait-hooks', name: 'create' });
  steps.push({ op: 'pivot-root' });
  // In the container's own /proc, before /proc/sys is made read-only.
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) steps.push({ op: 'sysctl', key, value });
  for (const path of spec.linux?.maskedPaths ?? []) steps.push({ op: 'mask', path });
  for (const path of spec.linux?.readonlyPaths ?? []) steps.push({ op: 'readonly', path });
  // A read-only v1 cgroup tree: its tmpfs too, once the hierarchies are mounted in it.
  const v1 = (host.hierarchies ?? []).some((hierarchy) => hierarchy.version === 1);
  for (const mount of mounts) {
    if (v1 && mount.type === 'cgroup' && mount.options?.includes('ro')) steps.push({ op: 'readonly', path: mount.destination });
  }
  if (spec.root.readonly) steps.push({ op: 'readonly', path: '/' });
  return { steps, cgroupTrees };
}

/**
 * The plan of `exec`: a new process inside the running container whose PID
 * 1 is `initPid`, joining its PID namespace (before the clone) and its other
 * namespaces (after it), with the container's root as its root.
 */
export function compileExecPlan(spec: Spec, initPid: number, containerProcess: Process, supervision: SupervisionOptions = {}): Plan {
  // Every namespace init is in, created or joined by path: exec joins them through init.
  const namespaces = (spec.linux?.namespaces ?? []).map((ns) => ns.type);
  const plan: Step[] = [{ op: 'namespaces', types: [] }];
  if (namespaces.includes('pid')) plan.push({ op: 'join-pidns', pid: initPid });
  plan.push(...supervisorSteps(containerProcess, supervision), ...joinCgroupSteps(supervision));
  if (!containerProcess.terminal) plan.push({ op: 'setsid' });
  const joined = namespaces.flatMap((type) => JOIN_NAMES[type] ?? []);
  if (joined.length > 0) plan.push({ op: 'join', pid: initPid, types: joined });
  // Inside now: /proc is the container's (checked to be procfs by the executor).
  plan.push(...processAttributeSteps(containerProcess), ...personalityStep(spec.linux));
  // execCPUAffinity is for processes run in a container, not its init (config.md).
  const affinity = containerProcess.execCPUAffinity;
  const initial = affinity?.initial ? parseCpuList(affinity.initial) : undefined;
  const final = affinity?.final ? parseCpuList(affinity.final) : undefined;
  if (initial?.length) plan.splice(1, 0, { op: 'initial-cpu-affinity', cpus: initial });
  if (final?.length) plan.push({ op: 'cpu-affinity', cpus: final });
  plan.push(...processSteps(containerProcess, spec.linux?.seccomp));
  return plan;
}

function supervisorSteps(containerProcess: Process, supervision: SupervisionOptions): Step[] {
  const steps: Step[] = [];
  if (supervision.handOff) steps.push({ op: 'hand-off' });
  if (containerProcess.terminal && supervision.handOff) steps.push({ op: 'console-socket', path: supervision.handOff.consoleSocket ?? '' });
  else if (containerProcess.terminal) steps.push({ op: 'console' }, { op: 'escape', mode: supervision.escape ?? 'none' });
  const size = containerProcess.terminal ? containerProcess.consoleSize : undefined;
  // A terminal's size fits 16 bits.
  if (size) steps.push({ op: 'console-size', rows: Math.min(size.height, 0xffff), cols: Math.min(size.width, 0xffff) });
  for (const [from, to] of supervision.forwardSignals ?? []) steps.push({ op: 'forward-signal', from, to });
  const monitor = supervision.monitor;
  if (monitor) {
    steps.push({ op: 'detach' }, { op: 'log', path: monitor.logPath, maxBytes: monitor.logMaxBytes });
    if (containerProcess.terminal) steps.push({ op: 'attach-socket', path: monitor.attachSocket });
  }
  if (supervision.exitFile) steps.push({ op: 'exit-file', path: supervision.exitFile });
  if (supervision.exitCommand?.length) steps.push({ op: 'exit-command', args: supervision.exitCommand });
  if (supervision.deviceFilter) steps.push({ op: 'device-filter', ...supervision.deviceFilter });
  if (supervision.cloneIntoCgroup) steps.push({ op: 'clone-into-cgroup', path: supervision.cloneIntoCgroup });
  if (supervision.waitForHost) steps.push({ op: 'wait-go' });
  if (supervision.preserveFds) steps.push({ op: 'preserve-fds', count: supervision.preserveFds });
  if (supervision.pidfdSocket) steps.push({ op: 'pidfd-socket', path: supervision.pidfdSocket });
  return steps;
}

/** Init's first steps: before it forks anything or unshares its cgroup namespace (executor/src/cgroup-join.c). */
function joinCgroupSteps(supervision: SupervisionOptions): Step[] {
  return (supervision.joinCgroups ?? []).map((path) => ({ op: 'join-cgroup', path }));
}

/**
 * The last steps, common to a container's PID 1 and to exec: who runs what,
 * where. A start barrier comes before the change of credentials, while init
 * may still open the root-owned FIFO, and after `env`, which it needs to
 * look the command up.
 */
function processSteps(containerProcess: Process, seccomp: LinuxSeccomp | undefined, startBarrier?: string, startHooks = false): Step[] {
  const steps: Step[] = [{ op: 'chdir', path: containerProcess.cwd }];
  if (containerProcess.noNewPrivileges) steps.push({ op: 'no-new-privileges' });
  // While init is still root with all its capabilities: raising a hard limit needs CAP_SYS_RESOURCE.
  for (const rlimit of containerProcess.rlimits ?? []) {
    steps.push({ op: 'rlimit', type: rlimit.type, soft: rlimitValue(rlimit.soft), hard: rlimitValue(rlimit.hard) });
  }
  steps.push({ op: 'umask', mode: containerProcess.user.umask ?? DEFAULT_UMASK });
  // Built before the start barrier and while init still has CAP_SYS_ADMIN:
  // without no_new_privs the executor must load it now; with it, just before execve.
  if (seccomp) steps.push({ op: 'seccomp', ...compileSeccomp(seccomp) });
  const env = containerProcess.env ?? [];
  steps.push({ op: 'env', vars: env });
  // Where a command without a '/' is looked for: the container's PATH, or the default one.
  const path = [...env].reverse().find((entry) => entry.startsWith('PATH='))?.slice('PATH='.length);
  steps.push({ op: 'search-path', path: path ?? DEFAULT_PATH });
  // startContainer hooks run here: at `start` for a created container, else at a hook point of their own.
  if (startBarrier) steps.push({ op: 'wait-start', path: startBarrier });
  else if (startHooks) steps.push({ op: 'wait-hooks', name: 'start' });
  const caps = containerProcess.capabilities ?? {};
  steps.push({
    op: 'credentials',
    uid: containerProcess.user.uid,
    gid: containerProcess.user.gid,
    groups: containerProcess.user.additionalGids ?? [],
    bounding: capabilityMask(caps.bounding),
    effective: capabilityMask(caps.effective),
    permitted: capabilityMask(caps.permitted),
    inheritable: capabilityMask(caps.inheritable),
    // The kernel raises an ambient capability only if it is permitted and inheritable too; runc
    // and crun skip the others (runc's own `runc spec` asks for ambient ones without inheritable).
    ambient: capabilityMask(caps.ambient?.filter((cap) => caps.permitted?.includes(cap) && caps.inheritable?.includes(cap))),
  });
  steps.push({ op: 'exec', args: containerProcess.args });
  return steps;
}

function propagationMode(value: string | undefined): 'private' | 'slave' | 'shared' {
  if (value === 'slave' || value === 'rslave') return 'slave';
  if (value === 'shared' || value === 'rshared') return 'shared';
  return 'private';
}

function isBind(mount: Mount): boolean {
  return mount.type === 'bind' || (mount.options ?? []).some((option) => option === 'bind' || option === 'rbind');
}

function mountStep(mount: Mount): Step {
  const flags: string[] = [];
  const data: string[] = [];
  let copyUp = false;
  for (const option of mount.options ?? []) {
    if (MOUNT_FLAGS.has(option)) flags.push(option);
    else if (option === 'tmpcopyup') copyUp = true;
    else if (!NO_OP_OPTIONS.has(option) && !RUNTIME_OPTIONS.has(option)) data.push(option);
  }
  const bind = isBind(mount);
  if (bind && !flags.includes('bind') && !flags.includes('rbind')) flags.push('bind');
  const create: MountCreate = bind ? 'auto' : 'dir';
  return {
    op: copyUp && mount.type === 'tmpfs' && !bind ? 'mount-copy-up' : 'mount',
    source: mount.source ?? (bind ? '' : mount.type ?? 'none'),
    target: mount.destination,
    fstype: bind ? '' : mount.type ?? '',
    flags,
    data: data.join(','),
    create,
  };
}

/**
 * The ID maps, written from outside after the clone. setgroups(2) stays
 * allowed: a privileged supervisor writes the gid map, so nothing needs
 * it denied (a rootless one will).
 */
function userMapStep(spec: Spec, writer?: SupervisionOptions['userMapWriter']): Step {
  const map = (mappings: LinuxIDMapping[] | undefined) => (mappings ?? []).map(({ containerID, hostID, size }) => ({ containerID, hostID, size }));
  // An unprivileged writer without newgidmap may map only its own gid, and only with setgroups denied.
  const setgroups = writer && writer.gidHelper.length === 0 ? 'deny' : 'allow';
  return { op: 'user-map', uids: map(spec.linux?.uidMappings), gids: map(spec.linux?.gidMappings), setgroups };
}

/**
 * The /dev contents on a fresh tmpfs: the default nodes, extra spec
 * devices, links, console. In a user namespace mknod(2) is refused (and a
 * node on a file system mounted there could not be opened): the host's
 * nodes are bound instead, as systemd-nspawn and runc do (preflight checked
 * they are the spec's devices).
 */
function deviceSteps(extraDevices: Device[], console: boolean, userns: boolean): Step[] {
  const steps: Step[] = [];
  const byPath = new Map<string, Device>();
  for (const device of [...DEFAULT_DEVICES, ...extraDevices]) byPath.set(device.path, device);
  for (const device of byPath.values()) {
    if (device.type !== 'c' && device.type !== 'b') continue;
    if (userns) {
      steps.push({ op: 'mount', source: device.path, target: device.path, fstype: '', flags: ['bind', 'nosuid', 'noexec'], data: '', create: 'file' });
      continue;
    }
    steps.push({
      op: 'mknod',
      path: device.path,
      type: device.type,
      major: device.major ?? 0,
      minor: device.minor ?? 0,
      mode: device.fileMode ?? 0o666,
      uid: device.uid ?? 0,
      gid: device.gid ?? 0,
    });
  }
  for (const [target, path] of DEFAULT_DEV_SYMLINKS) steps.push({ op: 'symlink', target, path });
  if (console) steps.push({ op: 'bind-console', path: '/dev/console' });
  return steps;
}

/** Where a hook runs: the runtime's namespaces, or those of the container whose init is `initPid`. */
export type HookPlace =
  | { kind: 'runtime' }
  /** createContainer: as root in init's namespaces, before pivot_root (the host's files in sight, as runc runs it). */
  | { kind: 'container-setup'; spec: Spec; initPid: number }
  /** startContainer: as a process of the container (its user, capabilities, seccomp filter, environment). */
  | { kind: 'container'; spec: Spec; initPid: number };

/**
 * The plan of one hook: `path` executed with `args` (args[0] its name),
 * `env` (absent: the runtime's own environment, as runc gives it; for a
 * container process the container's), the state on its stdin.
 */
export function compileHookPlan(hook: Hook, place: HookPlace, runtimeEnv: string[], supervision: SupervisionOptions = {}): Plan {
  const args = hook.args?.length ? hook.args : [hook.path];
  if (place.kind === 'container') {
    const base = place.spec.process!;
    const env = hook.env?.length ? hook.env : base.env ?? [];
    const plan = compileExecPlan(place.spec, place.initPid, { ...base, terminal: false, args, env }, supervision);
    plan.splice(plan.length - 1, 0, { op: 'exec-path', path: hook.path });
    return plan;
  }
  const plan: Step[] = [{ op: 'namespaces', types: [] }];
  if (place.kind === 'container-setup') {
    const namespaces = (place.spec.linux?.namespaces ?? []).map((ns) => ns.type);
    if (namespaces.includes('pid')) plan.push({ op: 'join-pidns', pid: place.initPid });
    plan.push(...supervisorSteps({ args, cwd: '/', user: { uid: 0, gid: 0 } }, supervision), ...joinCgroupSteps(supervision));
    plan.push({ op: 'setsid' });
    const joined = namespaces.flatMap((type) => JOIN_NAMES[type] ?? []);
    if (joined.length > 0) plan.push({ op: 'join', pid: place.initPid, types: joined });
  } else {
    plan.push({ op: 'setsid' });
  }
  plan.push(
    { op: 'env', vars: hook.env ?? runtimeEnv },
    { op: 'search-path', path: '' },
    { op: 'exec-path', path: hook.path },
    { op: 'exec', args },
  );
  return plan;
}
