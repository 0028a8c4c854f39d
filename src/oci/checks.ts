/**
 * ts-nspawn's own rules on a spec that the OCI schema accepted: what this
 * runtime needs, what it refuses to do, and what it does not implement.
 * A field that changes isolation is applied or refused here, never
 * ignored: anything the plan compiler would drop has a problem below.
 */
import { seccompProblem } from '../security/seccomp-profile.js';
import { isCapabilityName } from './capabilities.js';
import { HOSTNAME_RULE, isHostname } from './names.js';
import { jsonPath, type Problem } from './json-value.js';
import type { Capabilities, NamespaceType, Spec } from './types.js';
import { RLIMIT_TYPES } from './rlimits.js';
import type { NspawnSettings } from './settings.js';

/**
 * Fields ts-nspawn does not carry out yet, and why ignoring each would be
 * wrong. Remove a line when its feature lands.
 */
const NOT_IMPLEMENTED: ReadonlyArray<readonly [path: string, get: (spec: Spec) => unknown, why: string]> = [
  ['hooks', (spec) => (spec as { hooks?: unknown }).hooks, 'hooks are not supported'],
  ['domainname', (spec) => (spec as { domainname?: unknown }).domainname, 'setting a domain name is not supported'],
  ['process.apparmorProfile', (spec) => field(spec.process, 'apparmorProfile'), 'AppArmor confinement is not supported'],
  ['process.selinuxLabel', (spec) => field(spec.process, 'selinuxLabel'), 'SELinux labels are not supported'],
  ['process.scheduler', (spec) => field(spec.process, 'scheduler'), 'scheduling policies are not supported'],
  ['process.ioPriority', (spec) => field(spec.process, 'ioPriority'), 'I/O priorities are not supported'],
  ['process.execCPUAffinity', (spec) => field(spec.process, 'execCPUAffinity'), 'CPU affinity is not supported'],
  ['process.oomScoreAdj', (spec) => field(spec.process, 'oomScoreAdj'), 'oom_score_adj is not supported'],
  ['linux.intelRdt', (spec) => field(spec.linux, 'intelRdt'), 'Intel RDT is not supported'],
  ['linux.personality', (spec) => field(spec.linux, 'personality'), 'execution domains (personality) are not supported'],
  ['linux.mountLabel', (spec) => field(spec.linux, 'mountLabel'), 'SELinux mount labels are not supported'],
  ['linux.memoryPolicy', (spec) => field(spec.linux, 'memoryPolicy'), 'NUMA memory policies are not supported'],
  ['linux.netDevices', (spec) => field(spec.linux, 'netDevices'), 'moving host network devices in is not supported'],
  ['linux.timeOffsets', (spec) => field(spec.linux, 'timeOffsets'), 'time namespaces are not supported'],
];

/** The executor's limit on the items of one list argument (MAX_LIST in executor/src/plan.c). */
const MAX_LIST = 65536;

/** POSIX absolute (node:path's, without loading node:path on the start-up path). */
const isAbsolute = (path: string) => path.startsWith('/');

/** Namespaces that may be joined by path. Not mount: the container's root is built in a new one. */
const JOINABLE = new Set<NamespaceType>(['pid', 'network', 'ipc', 'uts', 'cgroup', 'user']);

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
    if (ns.type === 'time') add(at(), 'time namespaces are not supported');
    if (ns.path === undefined) {
      created.add(ns.type);
      return;
    }
    joined.add(ns.type);
    const pathAt = `linux.namespaces[${index}].path`;
    if (!isAbsolute(ns.path)) add(pathAt, `must be an absolute path, not ${JSON.stringify(ns.path)}`);
    else if (ns.type === 'mount') add(pathAt, 'joining a mount namespace is not supported: the container root is set up in a new one');
    else if (!JOINABLE.has(ns.type) && ns.type !== 'user' && ns.type !== 'time') add(pathAt, `joining a ${ns.type} namespace is not supported`);
  });
  checkUserNamespace(spec, settings, created, joined, add);
  if (!created.has('mount')) {
    add('linux.namespaces', 'a new mount namespace is required: ts-nspawn never runs a container in the host\'s root');
  }
  if (settings.network && !created.has('network')) {
    add('annotations["org.ts-nspawn.network.bridge"]', 'a bridged network needs a new network namespace in linux.namespaces');
  }

  if (spec.hostname !== undefined) {
    if (!isHostname(spec.hostname)) add('hostname', `invalid hostname ${JSON.stringify(spec.hostname)}: ${HOSTNAME_RULE}`);
    else if (!created.has('uts')) add('hostname', 'setting a hostname needs a new uts namespace in linux.namespaces');
  }

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
  memory: new Set(['limit']),
  cpu: new Set(['quota', 'period', 'shares']),
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
  (spec.linux?.resources?.devices ?? []).forEach((rule, index) => {
    if (rule.access !== undefined && !/^[rwm]{1,3}$/.test(rule.access)) add(`linux.resources.devices[${index}].access`, `must be made of r, w and m, not ${JSON.stringify(rule.access)}`);
  });
}

function field(object: object | undefined, key: string): unknown {
  return object ? (object as Record<string, unknown>)[key] : undefined;
}
