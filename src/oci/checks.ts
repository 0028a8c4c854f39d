/**
 * ts-nspawn's own rules on a spec that the OCI schema accepted: what this
 * runtime needs, what it refuses to do, and what it does not implement.
 * A field that changes isolation is applied or refused here, never
 * ignored: anything the plan compiler would drop has a problem below.
 */
import { BLKIO_WEIGHT_MAX, BLKIO_WEIGHT_MIN, isCpuList, SHARES_MAX, SHARES_MIN } from '../cgroups/convert.js';
import { seccompProblem } from '../security/seccomp-profile.js';
import { isCapabilityName } from './capabilities.js';
import { HOSTNAME_RULE, isHostname } from './names.js';
import { jsonPath, type Problem } from './json-value.js';
import type { Capabilities, NamespaceType, Spec } from './types.js';
import { RLIMIT_TYPES } from './rlimits.js';
import { appArmorEnabled, selinuxEnabled } from '../host/lsm.js';
import { parseCpuList } from '../plan/process-attributes.js';
import type { NspawnSettings } from './settings.js';

/**
 * Fields ts-nspawn does not carry out yet, and why ignoring each would be
 * wrong. Remove a line when its feature lands.
 */
const NOT_IMPLEMENTED: ReadonlyArray<readonly [path: string, get: (spec: Spec) => unknown, why: string]> = [
  ['linux.intelRdt', (spec) => field(spec.linux, 'intelRdt'), 'Intel RDT (resctrl) is not supported'],
  ['linux.memoryPolicy', (spec) => field(spec.linux, 'memoryPolicy'), 'NUMA memory policies are not supported'],
  ['linux.netDevices', (spec) => field(spec.linux, 'netDevices'), 'moving host network devices in is not supported'],
];

/** The executor's limit on the items of one list argument (MAX_LIST in executor/src/plan.c). */
const MAX_LIST = 65536;

/** POSIX absolute (node:path's, without loading node:path on the start-up path). */
const isAbsolute = (path: string) => path.startsWith('/');

/** Namespaces that may be joined by path. Not mount: the container's root is built in a new one. */
const JOINABLE = new Set<NamespaceType>(['pid', 'network', 'ipc', 'uts', 'cgroup', 'time', 'user']);

export function specProblems(spec: Spec, settings: NspawnSettings): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  for (const [path, get, why] of NOT_IMPLEMENTED) {
    if (get(spec) !== undefined) add(path, `${why}: remove the field (ts-nspawn never ignores one that changes the container)`);
  }

  if (spec.root.path === '') add('root.path', 'must not be empty');
  const seccomp = seccompProblem(spec.linux?.seccomp);
  if (seccomp) add('linux.seccomp', seccomp);

  // Namespaces: each type once; created or joined by an absolute path.
  const created = new Set<NamespaceType>();
  const joined = new Set<NamespaceType>();
  (spec.linux?.namespaces ?? []).forEach((ns, index) => {
    // Paths are built only for a problem: this runs on every container start.
    const at = () => `linux.namespaces[${index}].type`;
    if (created.has(ns.type) || joined.has(ns.type)) add(at(), `the ${ns.type} namespace is listed twice`);
    if (ns.path === undefined) {
      created.add(ns.type);
      return;
    }
    joined.add(ns.type);
    const pathAt = `linux.namespaces[${index}].path`;
    if (!isAbsolute(ns.path)) add(pathAt, `must be an absolute path, not ${JSON.stringify(ns.path)}`);
    else if (ns.type === 'mount') add(pathAt, 'joining a mount namespace is not supported: the container root is set up in a new one');
    else if (!JOINABLE.has(ns.type)) add(pathAt, `joining a ${ns.type} namespace is not supported`);
  });
  checkUserNamespace(spec, settings, created, joined, add);
  if (!created.has('mount')) {
    add('linux.namespaces', 'a new mount namespace is required: ts-nspawn never runs a container in the host\'s root');
  }
  if (settings.network && !created.has('network')) {
    add('annotations["org.ts-nspawn.network.bridge"]', 'a bridged network needs a new network namespace in linux.namespaces');
  }
  if (settings.userNetwork && !created.has('network')) {
    add('annotations["org.ts-nspawn.network.helper"]', `${settings.userNetwork.helper} needs a new network namespace in linux.namespaces`);
  }

  if (spec.hostname !== undefined) {
    if (!isHostname(spec.hostname)) add('hostname', `invalid hostname ${JSON.stringify(spec.hostname)}: ${HOSTNAME_RULE}`);
    else if (!created.has('uts')) add('hostname', 'setting a hostname needs a new uts namespace in linux.namespaces');
  }

  if (spec.domainname !== undefined) {
    if (spec.domainname.length > 64 || /[\0\n]/.test(spec.domainname)) add('domainname', 'must be at most 64 characters on one line');
    else if (!created.has('uts')) add('domainname', 'setting a domain name needs a new uts namespace in linux.namespaces');
  }
  checkTime(spec, created, add);
  checkLinuxExtras(spec, add);
  checkHooks(spec, add);
  checkProcess(spec, add);
  checkResources(spec, add);

  (spec.mounts ?? []).forEach((mount, index) => {
    const at = `mounts[${index}]`;
    if (!isAbsolute(mount.destination)) add(`${at}.destination`, `must be an absolute path inside the container, not ${JSON.stringify(mount.destination)}`);
    if (mount.type === undefined && !(mount.options ?? []).some((option) => option === 'bind' || option === 'rbind')) {
      add(`${at}.type`, 'is required unless the options say bind or rbind');
    }
    for (const key of ['uidMappings', 'gidMappings'] as const) {
      if (field(mount, key) !== undefined) add(`${at}.${key}`, 'ID-mapped mounts with maps of their own are not supported: give the option idmap (the container\'s maps)');
    }
    const idmap = (mount.options ?? []).some((option) => option === 'idmap' || option === 'ridmap');
    if (idmap && !created.has('user')) add(`${at}.options`, 'idmap needs a new user namespace in linux.namespaces (its maps are the mount\'s)');
    else if (idmap && !isBindMount(mount)) add(`${at}.options`, 'idmap is only supported on bind mounts');
  });

  const devMounted = (spec.mounts ?? []).some((mount) => mount.destination === '/dev' && mount.type !== 'bind' && !(mount.options ?? []).includes('rbind') && !(mount.options ?? []).includes('bind'));
  (spec.linux?.devices ?? []).forEach((device, index) => {
    const at = jsonPath('linux.devices', index);
    if (!isAbsolute(device.path) || !device.path.startsWith('/dev/')) add(jsonPath(at, 'path'), `must be a path below /dev, not ${JSON.stringify(device.path)}`);
    if (device.type !== 'c' && device.type !== 'b') add(jsonPath(at, 'type'), `only character (c) and block (b) devices are supported, not ${JSON.stringify(device.type)}`);
    if (!devMounted) add(at, 'devices are only created in a fresh /dev: add a tmpfs mount on /dev');
  });
  for (const key of ['maskedPaths', 'readonlyPaths'] as const) {
    (spec.linux?.[key] ?? []).forEach((path, index) => {
      if (!isAbsolute(path)) add(jsonPath(jsonPath('linux', key), index), `must be an absolute path inside the container, not ${JSON.stringify(path)}`);
    });
  }

  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    const why = sysctlProblem(key, created);
    if (why) add(jsonPath('linux.sysctl', key), why);
    else if (/[\n]/.test(value)) add(jsonPath('linux.sysctl', key), 'the value must be one line');
  }
  return problems;
}

const isBindMount = (mount: { type?: string; options?: string[] }) =>
  mount.type === 'bind' || (mount.options ?? []).some((option) => option === 'bind' || option === 'rbind');

/**
 * A user namespace is created with its maps, first, owning every other
 * new namespace. Namespaces joined by path belong to the host's user
 * namespace, where the container's root has no privilege: joining them
 * from inside would fail, so they are refused with a new user namespace.
 */
function checkUserNamespace(
  spec: Spec,
  settings: NspawnSettings,
  created: ReadonlySet<NamespaceType>,
  joined: ReadonlySet<NamespaceType>,
  add: (path: string, message: string) => void,
): void {
  const linux = spec.linux;
  const pick = settings.privateUsers?.pick === true;
  if (joined.has('user')) {
    // Joined first, by a helper; the new namespaces are then its own.
    for (const type of joined) {
      if (type !== 'user') add('linux.namespaces', `joining a ${type} namespace by path together with a user namespace is not supported: only namespaces created with the container belong to it`);
    }
    for (const key of ['uidMappings', 'gidMappings'] as const) {
      if (linux?.[key] !== undefined) add(`linux.${key}`, 'a joined user namespace has its maps already: remove the field');
    }
    if (settings.privateUsers) add('annotations["org.ts-nspawn.private-users.ownership"]', 'private users create a user namespace: do not join one by path too');
    return;
  }
  if (!created.has('user')) {
    for (const key of ['uidMappings', 'gidMappings'] as const) {
      if (linux?.[key] !== undefined) add(`linux.${key}`, 'needs a new user namespace in linux.namespaces');
    }
    if (settings.privateUsers) add('annotations["org.ts-nspawn.private-users.ownership"]', 'needs a new user namespace in linux.namespaces');
    return;
  }
  for (const type of joined) {
    if (type !== 'user') add('linux.namespaces', `joining a ${type} namespace by path together with a new user namespace is not supported: it belongs to the host's user namespace, where the container's root is nobody`);
  }
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const maps = linux?.[key];
    if (pick) {
      if (maps !== undefined && maps.length > 0 && !pickFilledIn(spec)) add(`linux.${key}`, 'give maps or let the runtime pick a range (org.ts-nspawn.private-users.pick), not both');
      continue;
    }
    if (!maps || maps.length === 0) {
      add(`linux.${key}`, 'a new user namespace needs its ID maps (e.g. [{"containerID":0,"hostID":524288,"size":65536}])');
      continue;
    }
    if (maps.length > 340) add(`linux.${key}`, `has ${maps.length} extents; the kernel takes at most 340`);
    maps.forEach((map, index) => {
      const end = map.containerID + map.size;
      if (map.size < 1 || map.hostID + map.size > 2 ** 32 - 1 || end > 2 ** 32 - 1) add(jsonPath(`linux.${key}`, index), 'the range must be non-empty and end below 4294967295');
      maps.forEach((other, j) => {
        if (j > index && map.containerID < other.containerID + other.size && other.containerID < end) add(jsonPath(`linux.${key}`, index), `overlaps extent ${j} inside the container`);
        if (j > index && map.hostID < other.hostID + other.size && other.hostID < map.hostID + map.size) add(jsonPath(`linux.${key}`, index), `overlaps extent ${j} on the host`);
      });
    });
  }
}

/** A claimed `pick` spec carries the range the runtime chose (one extent, as it writes it). */
function pickFilledIn(spec: Spec): boolean {
  const uid = spec.linux?.uidMappings;
  const gid = spec.linux?.gidMappings;
  return uid?.length === 1 && gid?.length === 1 && uid[0]?.hostID === gid[0]?.hostID && uid[0]?.size === gid[0]?.size;
}


type Add = (path: string, message: string) => void;

/** runtime-spec config.md "POSIX-platform Hooks". */
function checkHooks(spec: Spec, add: Add): void {
  for (const [name, hooks] of Object.entries(spec.hooks ?? {})) {
    (hooks ?? []).forEach((hook, index) => {
      const at = `hooks.${name}[${index}]`;
      if (!isAbsolute(hook.path)) add(`${at}.path`, `must be an absolute path, not ${JSON.stringify(hook.path)}`);
      for (const key of ['args', 'env'] as const) {
        if ((hook[key]?.length ?? 0) > MAX_LIST) add(`${at}.${key}`, `has ${hook[key]!.length} entries; the executor takes at most ${MAX_LIST}`);
      }
      (hook.env ?? []).forEach((entry, envIndex) => {
        if (!/^[^=]+=/.test(entry)) add(`${at}.env[${envIndex}]`, `must be NAME=VALUE, not ${JSON.stringify(entry.slice(0, 40))}`);
      });
      if (hook.timeout !== undefined && hook.timeout > 2_000_000) add(`${at}.timeout`, 'must be at most 2000000 seconds');
    });
  }
}

/** A new time namespace and the offsets of its clocks (config-linux.md "Offset for Time Namespace"). */
function checkTime(spec: Spec, created: ReadonlySet<NamespaceType>, add: Add): void {
  const offsets = spec.linux?.timeOffsets;
  if (offsets === undefined) return;
  if (!created.has('time')) add('linux.timeOffsets', 'needs a new time namespace (type "time", no path) in linux.namespaces');
  for (const [clock, offset] of Object.entries(offsets)) {
    const at = `linux.timeOffsets.${clock}`;
    if (clock !== 'monotonic' && clock !== 'boottime') {
      add(at, 'only the monotonic and boottime clocks have offsets in a time namespace');
      continue;
    }
    if (offset.secs !== undefined && !Number.isSafeInteger(offset.secs)) add(`${at}.secs`, `${offset.secs} is too large to be exact`);
    if (offset.nanosecs !== undefined && offset.nanosecs > 999_999_999) add(`${at}.nanosecs`, 'must be below 1000000000');
  }
}

/** linux.personality, and the labels of an LSM this host may not have. */
function checkLinuxExtras(spec: Spec, add: Add): void {
  if ((spec.linux?.personality?.flags?.length ?? 0) > 0) add('linux.personality.flags', 'no personality flags are supported (the runtime spec defines none): remove them');
  // Without SELinux a mount label has nothing to label (runc ignores it then too); with it, it is not applied yet.
  if (spec.linux?.mountLabel && selinuxEnabled()) add('linux.mountLabel', 'SELinux mount labels are not supported yet: remove the field');
}

function checkProcess(spec: Spec, add: (path: string, message: string) => void): void {
  const process = spec.process;
  if (!process) {
    add('process', 'is required: ts-nspawn runs a process in the container');
    return;
  }
  if (!process.args || process.args.length === 0) add('process.args', 'must name the command to run');
  for (const key of ['args', 'env'] as const) {
    const count = process[key]?.length ?? 0;
    if (count > MAX_LIST) add(`process.${key}`, `has ${count} entries; the executor takes at most ${MAX_LIST}`);
  }
  if (!isAbsolute(process.cwd)) add('process.cwd', `must be an absolute path inside the container, not ${JSON.stringify(process.cwd)}`);
  if (!process.user) add('process.user', 'is required (uid and gid of the command)');
  if (process.user?.username !== undefined) add('process.user.username', 'is only for Windows: give uid and gid');
  const umask = process.user?.umask;
  if (umask !== undefined && umask > 0o777) add('process.user.umask', `must be a file mode from 0 to 0o777 (511), not ${umask}`);
  (process.env ?? []).forEach((entry, index) => {
    if (!/^[^=]+=/.test(entry)) add(jsonPath('process.env', index), `must be NAME=VALUE, not ${JSON.stringify(entry.slice(0, 40))}`);
  });
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) {
    (process.capabilities?.[set as keyof Capabilities] ?? []).forEach((name, index) => {
      if (!isCapabilityName(name)) add(jsonPath(jsonPath('process.capabilities', set), index), `unknown capability ${JSON.stringify(name)}`);
    });
  }
  checkProcessAttributes(spec, add);
  const types = new Set<string>();
  (process.rlimits ?? []).forEach((rlimit, index) => {
    const at = jsonPath('process.rlimits', index);
    if (!RLIMIT_TYPES.has(rlimit.type)) add(jsonPath(at, 'type'), `unknown rlimit ${JSON.stringify(rlimit.type)} (known: ${[...RLIMIT_TYPES].join(', ')})`);
    else if (types.has(rlimit.type)) add(jsonPath(at, 'type'), `${rlimit.type} is given twice`);
    types.add(rlimit.type);
    for (const bound of ['soft', 'hard'] as const) {
      const value = rlimit[bound];
      if (value > Number.MAX_SAFE_INTEGER && value < 2 ** 64 - 1) {
        add(jsonPath(at, bound), `${value} is too large to be exact: use 18446744073709551615 for unlimited`);
      }
    }
    if (rlimit.soft > rlimit.hard) add(at, `the soft limit ${rlimit.soft} is above the hard limit ${rlimit.hard}`);
  });
}

/** oomScoreAdj, ioPriority, scheduler, execCPUAffinity, and the LSM labels (applied only where the host has that LSM). */
function checkProcessAttributes(spec: Spec, add: Add): void {
  const process = spec.process!;
  if (process.oomScoreAdj !== undefined && (process.oomScoreAdj < -1000 || process.oomScoreAdj > 1000)) {
    add('process.oomScoreAdj', `must be from -1000 to 1000, not ${process.oomScoreAdj}`);
  }
  const level = process.ioPriority?.priority;
  if (level !== undefined && (level < 0 || level > 7)) add('process.ioPriority.priority', `must be from 0 (highest) to 7 (lowest), not ${level}`);
  const scheduler = process.scheduler;
  if (scheduler) {
    const realTime = scheduler.policy === 'SCHED_FIFO' || scheduler.policy === 'SCHED_RR';
    const priority = scheduler.priority ?? 0;
    if (scheduler.policy === 'SCHED_ISO') add('process.scheduler.policy', 'SCHED_ISO is not a policy of the Linux kernel');
    if (scheduler.nice !== undefined && (scheduler.nice < -20 || scheduler.nice > 19)) add('process.scheduler.nice', `must be from -20 to 19, not ${scheduler.nice}`);
    if (realTime && (priority < 1 || priority > 99)) add('process.scheduler.priority', `must be from 1 to 99 for ${scheduler.policy}, not ${priority}`);
    if (!realTime && priority !== 0) add('process.scheduler.priority', `must be 0 for ${scheduler.policy} (only SCHED_FIFO and SCHED_RR have priorities)`);
    for (const key of ['runtime', 'deadline', 'period'] as const) {
      const value = scheduler[key];
      if (value !== undefined && !Number.isSafeInteger(value)) add(`process.scheduler.${key}`, `${value} is too large to be exact`);
    }
  }
  for (const key of ['initial', 'final'] as const) {
    const list = process.execCPUAffinity?.[key];
    if (list && !parseCpuList(list)) add(`process.execCPUAffinity.${key}`, `is not a CPU list such as "0-3,7": ${JSON.stringify(list)}`);
  }
  // runc fails the same way; refused here, before anything is set up, so nothing runs unconfined.
  if (process.apparmorProfile && !appArmorEnabled()) {
    add('process.apparmorProfile', 'AppArmor is not enabled on this host, so the profile cannot confine the process: remove the field or run where AppArmor is enabled');
  }
  if (process.selinuxLabel && !selinuxEnabled()) {
    add('process.selinuxLabel', 'SELinux is not enabled on this host, so the label cannot confine the process: remove the field or run where SELinux is enabled');
  }
}

/**
 * Only sysctls that belong to one of the container's own namespaces (the
 * set runc allows): anything else would change the host's kernel.
 */
function sysctlProblem(key: string, created: ReadonlySet<NamespaceType>): string | undefined {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(key)) return 'is not a sysctl name (dot-separated words)';
  const ipc = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
  if (ipc.includes(key) || key.startsWith('fs.mqueue.')) {
    return created.has('ipc') ? undefined : 'needs a new ipc namespace in linux.namespaces';
  }
  if (key === 'kernel.hostname' || key === 'kernel.domainname') {
    return created.has('uts') ? undefined : 'needs a new uts namespace in linux.namespaces';
  }
  if (key.startsWith('net.')) {
    return created.has('network') ? undefined : 'needs a new network namespace in linux.namespaces';
  }
  return 'is not a namespaced sysctl: it would change the host (allowed: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*, kernel.hostname, kernel.domainname)';
}

/** The linux.resources fields the cgroup manager applies; any other limit is refused, not dropped. */
const APPLIED_RESOURCES: Record<string, ReadonlySet<string> | true> = {
  devices: true,
  pids: new Set(['limit']),
  memory: new Set(['limit', 'swap']),
  cpu: new Set(['quota', 'period', 'shares', 'cpus', 'mems']),
  blockIO: new Set(['weight', 'throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice']),
  hugepageLimits: true,
};

function checkResources(spec: Spec, add: (path: string, message: string) => void): void {
  const resources = field(spec.linux, 'resources');
  if (resources === undefined || resources === null || typeof resources !== 'object') return;
  for (const [key, value] of Object.entries(resources)) {
    const applied = APPLIED_RESOURCES[key];
    if (applied === true) continue;
    if (!applied) {
      add(`linux.resources.${key}`, 'this cgroup limit is not supported yet: remove the field (ts-nspawn never ignores one that changes the container)');
      continue;
    }
    for (const sub of Object.keys(value && typeof value === 'object' ? value : {})) {
      if (!applied.has(sub)) add(`linux.resources.${key}.${sub}`, 'this cgroup limit is not supported yet: remove the field (ts-nspawn never ignores one that changes the container)');
    }
  }
  const { memory, cpu, blockIO, hugepageLimits } = spec.linux?.resources ?? {};
  // 0 is "not set" for these, as runc reads them.
  if (memory?.swap !== undefined && memory.swap !== 0 && memory.swap !== -1) {
    if (memory.swap < -1) add('linux.resources.memory.swap', `must be bytes of memory and swap together, or -1 for unlimited, not ${memory.swap}`);
    else if (memory.limit === undefined || memory.limit <= 0) add('linux.resources.memory.swap', 'a swap limit needs a memory limit (linux.resources.memory.limit)');
    else if (memory.swap < memory.limit) add('linux.resources.memory.swap', `counts memory and swap together: ${memory.swap} is below the memory limit ${memory.limit}`);
  }
  if (cpu?.shares !== undefined && cpu.shares !== 0 && (cpu.shares < SHARES_MIN || cpu.shares > SHARES_MAX)) {
    add('linux.resources.cpu.shares', `must be from ${SHARES_MIN} to ${SHARES_MAX}, not ${cpu.shares}`);
  }
  for (const key of ['cpus', 'mems'] as const) {
    const list = cpu?.[key];
    if (list !== undefined && list !== '' && !isCpuList(list)) add(`linux.resources.cpu.${key}`, `must be a list such as 0-2,4, not ${JSON.stringify(list)}`);
  }
  const weight = blockIO?.weight;
  if (weight !== undefined && weight !== 0 && (weight < BLKIO_WEIGHT_MIN || weight > BLKIO_WEIGHT_MAX)) {
    add('linux.resources.blockIO.weight', `must be from ${BLKIO_WEIGHT_MIN} to ${BLKIO_WEIGHT_MAX}, not ${weight}`);
  }
  (hugepageLimits ?? []).forEach(({ pageSize }, index) => {
    if (!/^\d+[KMG]B$/.test(pageSize)) add(`linux.resources.hugepageLimits[${index}].pageSize`, `must be a size such as 2MB or 1GB, not ${JSON.stringify(pageSize)}`);
  });
  (spec.linux?.resources?.devices ?? []).forEach((rule, index) => {
    if (rule.access !== undefined && !/^[rwm]{1,3}$/.test(rule.access)) add(`linux.resources.devices[${index}].access`, `must be made of r, w and m, not ${JSON.stringify(rule.access)}`);
  });
}

function field(object: object | undefined, key: string): unknown {
  return object ? (object as Record<string, unknown>)[key] : undefined;
}
