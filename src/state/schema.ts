/**
 * The schemas of what ts-nspawn reads back from a record: state.json, the
 * exit file and (structurally) config.json. Each check returns the first
 * problem found, in words, or undefined. A value that passes is safe to act
 * on: PIDs are integers > 1 with start times, names are names, and the host
 * resources named are ones ts-nspawn's own rules make for this container.
 */
import { posix } from 'node:path';
import { vethName } from '../network/veth-name.js';
import { isValidName } from './names.js';
import type { ExitRecord } from './record.js';

/** The path component below which ts-nspawn makes its cgroups (container-cgroup.ts). */
const CGROUP_PARENT = 'ts-nspawn';

type Problem = string | undefined;
type Check = (value: unknown, name: string) => Problem;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str: Check = (value) => (typeof value === 'string' ? undefined : 'is not a string');
const bool: Check = (value) => (typeof value === 'boolean' ? undefined : 'is not a boolean');
const strings: Check = (value) => (Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : 'is not a list of strings');
const optional = (check: Check): Check => (value, name) => (value === undefined ? undefined : check(value, name));

/** A PID a signal may ever go to: not 0, 1 or negative (those reach groups or everything). */
export function isSignallablePid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1 && pid <= 4_194_304;
}

const identity: Check = (value) => {
  if (!isObject(value)) return 'is not an object';
  if (!isSignallablePid(value.pid)) return 'has no valid pid';
  if (typeof value.startTime !== 'string' || !/^\d{1,20}$/.test(value.startTime)) return 'has no valid startTime';
  return undefined;
};

const exitRecord: Check = (value) => {
  if (!isObject(value)) return 'is not an object';
  const { exitCode, signal, status } = value;
  const small = (n: unknown, max: number) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
  if (!(exitCode === null || small(exitCode, 255)) || !(signal === null || small(signal, 64)) || !small(status, 255 + 64)) return 'is not an exit status';
  return undefined;
};

/** Only veths named by ts-nspawn's rule for this container. */
const hostInterfaces: Check = (value, name) => {
  if (strings(value, name)) return 'is not a list of strings';
  const ours = new Set(Array.from({ length: 8 }, (_, attempt) => vethName(name, attempt)));
  const foreign = (value as string[]).find((ifname) => !ours.has(ifname));
  return foreign === undefined ? undefined : `names ${JSON.stringify(foreign)}, not a veth of this container`;
};

/** Only cgroups ts-nspawn makes: absolute, normalized, ending in ts-nspawn/.../NAME. */
export function isOwnCgroupPath(path: string, name: string): boolean {
  if (!path.startsWith('/') || posix.normalize(path) !== path || path.endsWith('/')) return false;
  const parts = path.split('/');
  const parent = parts.lastIndexOf(CGROUP_PARENT);
  return parent > 0 && parts[parts.length - 1] === name && parent < parts.length - 1;
}

const cgroups: Check = (value, name) => {
  if (strings(value, name)) return 'is not a list of strings';
  const foreign = (value as string[]).find((path) => !isOwnCgroupPath(path, name));
  return foreign === undefined ? undefined : `names ${JSON.stringify(foreign)}, not a cgroup of this container`;
};

const STATE_FIELDS: Record<string, Check> = {
  ociVersion: str,
  id: (value, name) => (value === name ? undefined : 'is not the name of its directory'),
  status: (value) => (['creating', 'created', 'running', 'stopped'].includes(value as string) ? undefined : 'is not a status'),
  pid: (value) => (value === 0 || isSignallablePid(value) ? undefined : 'is not a PID'),
  bundle: str,
  annotations: (value) => (isObject(value) && Object.values(value).every((v) => typeof v === 'string') ? undefined : 'is not a map of strings'),
  created: str,
  started: optional(str),
  command: strings,
  console: bool,
  detached: bool,
  boot: bool,
  init: optional(identity),
  supervisor: optional(identity),
  owner: optional(identity),
  addresses: strings,
  hostInterfaces,
  cgroups,
  networkHelper: optional(identity),
  exit: optional(exitRecord),
  outOfMemory: optional((value) => {
    if (!isObject(value) || !Number.isSafeInteger(value.kills) || (value.kills as number) < 1) return 'is not a count of OOM kills';
    return value.limitBytes === undefined || (typeof value.limitBytes === 'number' && value.limitBytes > 0) ? undefined : 'has no valid limitBytes';
  }),
  error: optional((value) => (isObject(value) && typeof value.phase === 'string' && typeof value.message === 'string' ? undefined : 'is not a phase and message')),
  stopRequested: optional(bool),
  userRange: optional((value) =>
    isObject(value) && Number.isSafeInteger(value.base) && Number.isSafeInteger(value.count) && (value.base as number) > 0 && (value.count as number) > 0 && (value.base as number) + (value.count as number) <= 0xffffffff
      ? undefined
      : 'is not a range of host IDs'),
};

/** state.json of the container NAME. */
export function stateProblem(value: unknown, name: string): Problem {
  if (!isObject(value)) return 'state.json is not a JSON object';
  for (const [field, check] of Object.entries(STATE_FIELDS)) {
    const problem = check(value[field], name);
    if (problem) return `state.json field ${field} ${problem}`;
  }
  // The PID shown and signalled is init's: the two must agree.
  const init = value.init as { pid: number } | undefined;
  if (value.pid !== 0 && value.pid !== init?.pid) return 'state.json field pid is not the PID of its init';
  return undefined;
}

/** The exit file the supervisor writes: "CODE SIGNAL\n". */
export function parseExitFile(text: string): ExitRecord | undefined {
  const match = /^(\d{1,3}) (\d{1,2})\n?$/.exec(text);
  if (!match) return undefined;
  const code = Number(match[1]);
  const signal = Number(match[2]);
  if (code > 255 || signal > 64) return undefined;
  return signal ? { exitCode: null, signal, status: 128 + signal } : { exitCode: code, signal: null, status: code };
}

/**
 * config.json read back, structurally: what exec and a restart use from it.
 * (The model's validateSpec does the full check once merged.)
 */
export function storedSpecProblem(value: unknown): Problem {
  if (!isObject(value)) return 'config.json is not a JSON object';
  if (typeof value.ociVersion !== 'string') return 'config.json has no ociVersion';
  if (!isObject(value.root) || typeof value.root.path !== 'string') return 'config.json has no root.path';
  const process = value.process;
  if (process !== undefined) {
    if (!isObject(process)) return 'config.json field process is not an object';
    if (strings(process.args, '')) return 'config.json field process.args is not a list of strings';
    if (process.env !== undefined && strings(process.env, '')) return 'config.json field process.env is not a list of strings';
    if (typeof process.cwd !== 'string') return 'config.json field process.cwd is not a string';
    if (!isObject(process.user) || !Number.isInteger(process.user.uid) || !Number.isInteger(process.user.gid)) return 'config.json field process.user is not a user';
  }
  const linux = value.linux;
  if (linux !== undefined && !isObject(linux)) return 'config.json field linux is not an object';
  const namespaces = isObject(linux) ? linux.namespaces : undefined;
  // exec joins the container's namespaces: a config without them would exec on the host.
  if (!Array.isArray(namespaces) || !namespaces.some((ns) => isObject(ns) && ns.type === 'pid')) return 'config.json has no PID namespace';
  if (value.annotations !== undefined && STATE_FIELDS.annotations!(value.annotations, '')) return 'config.json field annotations is not a map of strings';
  return undefined;
}
