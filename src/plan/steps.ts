/**
 * The steps of a plan, one per executor opcode (docs/executor.md). A plan
 * is an ordered list: supervisor steps first, then init steps, ending in
 * `exec`. Keeping this a plain data type lets the compiler be tested
 * without root and lets errors from the executor point back at a step.
 */

export type MountCreate = 'dir' | 'file' | 'auto' | 'none';

export type Step =
  // Supervisor steps (before the clone).
  | { op: 'namespaces'; types: string[] }
  | { op: 'console' }
  | { op: 'escape'; mode: 'kill' | 'none' }
  | { op: 'forward-signal'; from: number; to: number }
  | { op: 'wait-go' }
  | { op: 'detach' }
  | { op: 'log'; path: string; maxBytes: number }
  | { op: 'attach-socket'; path: string }
  | { op: 'exit-file'; path: string }
  | { op: 'exit-command'; args: string[] }
  | { op: 'join-pidns'; pid: number }
  | { op: 'clone-into-cgroup'; path: string }
  | { op: 'device-filter'; path: string; rules: string[] }
  | { op: 'hand-off' }
  | { op: 'console-socket'; path: string }
  // Init steps (in the container, in order).
  | { op: 'setsid' }
  | { op: 'join'; pid: number; types: string[] }
  /** Join the namespace at `path` (the supervisor opens it; a PID namespace it joins itself, before the clone). */
  | { op: 'join-ns'; type: string; path: string }
  | { op: 'unshare'; types: string[] }
  | { op: 'hostname'; name: string }
  | { op: 'loopback-up' }
  | { op: 'propagation'; mode: 'private' | 'slave' | 'shared' }
  | { op: 'enter-root'; path: string }
  | { op: 'mount'; source: string; target: string; fstype: string; flags: string[]; data: string; create: MountCreate }
  | { op: 'mknod'; path: string; type: 'c' | 'b'; major: number; minor: number; mode: number; uid: number; gid: number }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'bind-console'; path: string }
  | { op: 'pivot-root' }
  | { op: 'sysctl'; key: string; value: string }
  | { op: 'mask'; path: string }
  | { op: 'readonly'; path: string }
  | { op: 'chdir'; path: string }
  | { op: 'no-new-privileges' }
  | { op: 'rlimit'; type: string; soft: number | 'infinity'; hard: number | 'infinity' }
  /** The umask the command starts with (init itself runs with 0). */
  | { op: 'umask'; mode: number }
  | { op: 'seccomp'; defaultAction: string; architectures: string[]; rules: string[] }
  | {
      op: 'credentials';
      uid: number;
      gid: number;
      groups: number[];
      bounding: string;
      effective: string;
      permitted: string;
      inheritable: string;
      ambient: string;
    }
  | { op: 'env'; vars: string[] }
  | { op: 'search-path'; path: string }
  | { op: 'wait-start'; path: string }
  | { op: 'exec'; args: string[] }
  /** A `mount` of a tmpfs that starts with a copy of the directory it covers (runc's `tmpcopyup`). */
  | { op: 'mount-copy-up'; source: string; target: string; fstype: string; flags: string[]; data: string; create: MountCreate }
  /** The console's window size before the process starts (process.consoleSize). */
  | { op: 'console-size'; rows: number; cols: number }
  // Added later (kept at the end, as in the executor's table).
  /** A hook point: init waits while TypeScript runs the hooks named (`create`, `start`). */
  | { op: 'wait-hooks'; name: 'create' | 'start' }
  /** The file `exec` runs, its args[0] being only the name it is given. */
  | { op: 'exec-path'; path: string }
  | { op: 'domainname'; name: string }
  | { op: 'oom-score-adj'; value: number }
  /** ioprio_set(2): class 1 (RT), 2 (BE), 3 (IDLE), level 0-7. */
  | { op: 'io-priority'; ioClass: number; level: number }
  /** sched_setattr(2): numbers of <linux/sched.h>. */
  | { op: 'scheduler'; policy: number; flags: number; nice: number; priority: number; runtime: number; deadline: number; period: number }
  | { op: 'personality'; domain: number }
  | { op: 'cpu-affinity'; cpus: number[] }
  /** Supervisor step: the CPUs init is created on. */
  | { op: 'initial-cpu-affinity'; cpus: number[] }
  /** Supervisor step: a new time namespace with these clock offsets, init cloned into it. */
  | { op: 'time-namespace'; monotonic: [secs: number, nanosecs: number]; boottime: [secs: number, nanosecs: number] }
  /** The LSM label the command is executed with. */
  | { op: 'exec-label'; lsm: 'apparmor' | 'selinux'; label: string }
  /** Init's ID maps, written by the supervisor after the clone (`setgroups`: deny only where the map needs it). */
  | { op: 'user-map'; uids: IdMapping[]; gids: IdMapping[]; setgroups: 'allow' | 'deny' }
  /** `enter-root` through an idmapped clone of the tree that the supervisor makes after the maps. */
  | { op: 'enter-root-idmapped'; path: string }
  /** Rootless: the maps written unprivileged, through these helpers' argv (newuidmap, newgidmap), or by the supervisor when empty. */
  | { op: 'user-map-writer'; uidHelper: string[]; gidHelper: string[] }
  /** Supervisor step (ts-runc's --preserve-fds): the `count` descriptors the executor gets after its control channel become the command's 3, 4, ... */
  | { op: 'preserve-fds'; count: number }
  /** Supervisor step (ts-runc's --pidfd-socket): a pidfd of the process goes to the Unix socket at `path`. */
  | { op: 'pidfd-socket'; path: string }
  /** cgroup v1: init moves itself into a cgroup by writing "0" to its `tasks` file (opened by the supervisor). */
  | { op: 'join-cgroup'; path: string }
  /**
   * The steps up to `stage-end` are run from outside the container's user namespace, by a
   * helper of the supervisor in the mount namespace init was cloned into; at `stage-mounts`
   * init unshares its own copy, in which those mounts are locked (executor/src/stage.c).
   */
  | { op: 'stage-mounts' }
  | { op: 'stage-end' };

/** One extent of an ID map: `count` IDs from `containerID` inside are `hostID`... outside. */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export type Plan = Step[];

/**
 * Every opcode once. A Record over the union makes the compiler insist on
 * exactly the opcodes of `Step`; a unit test checks them against the C
 * executor's table (executor/src/plan.c), so the two cannot drift apart.
 */
const OPCODES: Record<Step['op'], true> = {
  namespaces: true, console: true, escape: true, 'forward-signal': true, 'wait-go': true, detach: true, log: true,
  'attach-socket': true, 'exit-file': true, 'exit-command': true, 'join-pidns': true, 'clone-into-cgroup': true,
  'hand-off': true, 'console-socket': true, 'device-filter': true,
  setsid: true, join: true, 'join-ns': true, unshare: true, hostname: true, 'loopback-up': true, propagation: true,
  'enter-root': true, mount: true, mknod: true, symlink: true, 'bind-console': true, 'pivot-root': true, sysctl: true,
  mask: true, readonly: true, chdir: true, 'no-new-privileges': true, rlimit: true, umask: true, seccomp: true, credentials: true,
  env: true, 'search-path': true, 'wait-start': true, exec: true,
  'mount-copy-up': true, 'console-size': true,
  'wait-hooks': true, 'exec-path': true, domainname: true, 'oom-score-adj': true, 'io-priority': true, scheduler: true,
  personality: true, 'cpu-affinity': true, 'initial-cpu-affinity': true, 'time-namespace': true, 'exec-label': true,
  'user-map': true, 'enter-root-idmapped': true,
  'user-map-writer': true,
  'preserve-fds': true, 'pidfd-socket': true,
  'join-cgroup': true,
  'stage-mounts': true, 'stage-end': true,
};

export const STEP_OPCODES = Object.keys(OPCODES) as ReadonlyArray<Step['op']>;

/** A short human description of a step, for error messages. */
export function describeStep(step: Step): string {
  switch (step.op) {
    case 'mount':
      return `mounting ${step.fstype || 'bind'} ${step.fstype === 'bind' || step.flags.includes('bind') || step.flags.includes('rbind') ? `${step.source} ` : ''}on ${step.target}`;
    case 'mount-copy-up':
      return `mounting ${step.fstype} on ${step.target} with a copy of its contents`;
    case 'mknod':
      return `creating device node ${step.path}`;
    case 'symlink':
      return `creating symlink ${step.path}`;
    case 'enter-root':
      return `entering the root directory ${step.path}`;
    case 'enter-root-idmapped':
      return `entering the root directory ${step.path} through an idmapped mount`;
    case 'user-map-writer':
      return step.uidHelper.length ? `writing the ID maps through ${step.uidHelper[0]} and ${step.gidHelper[0]}` : 'writing the ID maps unprivileged';
    case 'user-map':
      return `writing the user namespace's ID maps (${step.uids.map((m) => `${m.containerID}:${m.hostID}:${m.size}`).join(' ')})`;
    case 'pivot-root':
      return 'switching to the container root (pivot_root)';
    case 'stage-mounts':
      return "setting up the container's locked mounts";
    case 'mask':
      return `masking ${step.path}`;
    case 'readonly':
      return `making ${step.path} read-only`;
    case 'chdir':
      return `changing to the working directory ${step.path}`;
    case 'hostname':
      return `setting the hostname ${step.name}`;
    case 'seccomp':
      return 'loading the seccomp filter';
    case 'credentials':
      return `switching to uid ${step.uid} gid ${step.gid}`;
    case 'namespaces':
      return `creating namespaces (${step.types.join(', ')})`;
    case 'exec':
      return `running ${step.args[0]}`;
    case 'join-ns':
      return `joining the ${step.type} namespace ${step.path}`;
    case 'rlimit':
      return `setting ${step.type} to soft ${step.soft} hard ${step.hard} (raising a hard limit needs CAP_SYS_RESOURCE)`;
    case 'sysctl':
      return `setting the sysctl ${step.key} to ${JSON.stringify(step.value)}`;
    case 'umask':
      return `setting the umask ${step.mode.toString(8).padStart(4, '0')}`;
    case 'wait-start':
      return `waiting to be started (${step.path})`;
    case 'join':
    case 'join-pidns':
      return `joining the namespaces of the container (PID ${step.pid})`;
    case 'domainname':
      return `setting the domain name ${step.name}`;
    case 'oom-score-adj':
      return `setting process.oomScoreAdj ${step.value} (lowering it needs CAP_SYS_RESOURCE)`;
    case 'io-priority':
      return `setting process.ioPriority (class ${step.ioClass}, level ${step.level})`;
    case 'scheduler':
      return `setting process.scheduler (policy ${step.policy}, nice ${step.nice}, priority ${step.priority}; real-time policies need CAP_SYS_NICE and real-time time in the cgroup)`;
    case 'personality':
      return `setting linux.personality (domain ${step.domain})`;
    case 'cpu-affinity':
    case 'initial-cpu-affinity':
      return `setting process.execCPUAffinity (CPUs ${step.cpus.join(',')})`;
    case 'time-namespace':
      return 'making the time namespace with linux.timeOffsets';
    case 'exec-label':
      return step.lsm === 'apparmor' ? `applying process.apparmorProfile ${step.label}` : `applying process.selinuxLabel ${step.label}`;
    case 'exec-path':
      return `running ${step.path}`;
    case 'preserve-fds':
      return `passing ${step.count} descriptors to the process (--preserve-fds)`;
    case 'pidfd-socket':
      return `sending the process's pidfd to ${step.path}`;
    default:
      return step.op;
  }
}
