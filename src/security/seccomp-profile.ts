/**
 * Seccomp profiles from users: the OCI `linux.seccomp` object, or a Docker
 * / podman profile file (the same fields plus `names` conditions on
 * capabilities and architectures, and an `archMap`). Both become the OCI
 * form, which the spec carries; seccomp-rules.ts compiles that for the
 * executor.
 */
import { ContainerError } from '../errors.js';
import type { CapabilityName, LinuxSeccomp, LinuxSeccompArg, LinuxSyscall } from '../oci/types.js';
import { nativeArchitecture } from './seccomp-arch.js';

export const SECCOMP_ACTIONS = new Set([
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_LOG',
]);

export const SECCOMP_OPERATORS = new Set([
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
]);

type Json = Record<string, unknown>;

/** `capabilities`: the container's, which decide Docker's includes/excludes `caps`. */
export function parseSeccompProfile(input: unknown, capabilities: readonly CapabilityName[], source = 'seccomp profile'): LinuxSeccomp {
  const bad = (where: string, what: string): never => {
    throw new ContainerError(`invalid ${source}: ${where} ${what}`);
  };
  if (!isObject(input)) return bad('the profile', 'must be a JSON object');
  const defaultAction = action(input.defaultAction, 'defaultAction', bad);
  const native = nativeArchitecture();
  const profile: LinuxSeccomp = { defaultAction };
  const errno = optionalErrno(input.defaultErrnoRet, 'defaultErrnoRet', bad);
  if (errno !== undefined) profile.defaultErrnoRet = errno;
  const architectures = architecturesOf(input, native, bad);
  if (architectures) profile.architectures = architectures;
  if (input.flags !== undefined) profile.flags = stringList(input.flags, 'flags', bad);
  if (input.listenerPath !== undefined || defaultAction === 'SCMP_ACT_NOTIFY') bad('the profile', 'uses a seccomp notify listener, which ts-nspawn does not support');

  const syscalls = input.syscalls ?? [];
  if (!Array.isArray(syscalls)) return bad('syscalls', 'must be a list');
  const arch = archShortName(native);
  profile.syscalls = syscalls.flatMap((entry, i): LinuxSyscall[] => {
    const where = `syscalls[${i}]`;
    if (!isObject(entry)) return bad(where, 'must be an object');
    if (!conditionsHold(entry, capabilities, arch, where, bad)) return [];
    const names = entry.names !== undefined ? stringList(entry.names, `${where}.names`, bad) : [];
    if (typeof entry.name === 'string') names.push(entry.name);
    if (names.length === 0) bad(where, 'names no system call');
    const syscall: LinuxSyscall = { names, action: action(entry.action, `${where}.action`, bad) };
    const entryErrno = optionalErrno(entry.errnoRet, `${where}.errnoRet`, bad);
    if (entryErrno !== undefined) syscall.errnoRet = entryErrno;
    if (entry.args !== undefined && entry.args !== null) {
      if (!Array.isArray(entry.args)) bad(`${where}.args`, 'must be a list');
      const args = (entry.args as unknown[]).map((arg, j) => argument(arg, `${where}.args[${j}]`, bad));
      if (args.length > 0) syscall.args = args;
    }
    return [syscall];
  });
  return profile;
}

type Bad = (where: string, what: string) => never;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function action(value: unknown, where: string, bad: Bad): string {
  if (value === 'SCMP_ACT_NOTIFY') bad(where, 'SCMP_ACT_NOTIFY is not supported (no notify listener)');
  if (typeof value !== 'string' || !SECCOMP_ACTIONS.has(value)) {
    return bad(where, `must be one of ${[...SECCOMP_ACTIONS].join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function optionalErrno(value: unknown, where: string, bad: Bad): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 4095) bad(where, 'must be an errno number (0-4095)');
  return value as number;
}

function stringList(value: unknown, where: string, bad: Bad): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return bad(where, 'must be a list of strings');
  return [...value];
}

function argument(value: unknown, where: string, bad: Bad): LinuxSeccompArg {
  if (!isObject(value)) return bad(where, 'must be an object');
  const { index, op } = value;
  if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > 5) bad(`${where}.index`, 'must be 0-5');
  if (typeof op !== 'string' || !SECCOMP_OPERATORS.has(op)) bad(`${where}.op`, `must be one of ${[...SECCOMP_OPERATORS].join(', ')}`);
  const number = (field: string): number => {
    const n = value[field] ?? 0;
    if (!Number.isSafeInteger(n) || (n as number) < 0) bad(`${where}.${field}`, 'must be a non-negative integer');
    return n as number;
  };
  const arg: LinuxSeccompArg = { index: index as number, value: number('value'), op: op as string };
  if (value.valueTwo !== undefined) arg.valueTwo = number('valueTwo');
  return arg;
}

/**
 * `architectures` as given; else Docker's `archMap`: the native
 * architecture's entry and its sub-architectures; else none (the native one).
 */
function architecturesOf(input: Json, native: string, bad: Bad): string[] | undefined {
  if (input.architectures !== undefined) return stringList(input.architectures, 'architectures', bad);
  if (input.archMap === undefined) return undefined;
  if (!Array.isArray(input.archMap)) return bad('archMap', 'must be a list');
  const entry = input.archMap.find((item) => isObject(item) && item.architecture === native) as Json | undefined;
  if (!entry) return [native];
  return [native, ...(entry.subArchitectures === undefined ? [] : stringList(entry.subArchitectures, 'archMap.subArchitectures', bad))];
}

/**
 * Docker's `includes` / `excludes`: an entry applies when the container has
 * every included capability and none excluded, and runs on an included
 * architecture (`amd64`, `arm64`, ...) and no excluded one. `minKernel` is
 * not checked.
 */
function conditionsHold(entry: Json, capabilities: readonly CapabilityName[], arch: string, where: string, bad: Bad): boolean {
  const has = (cap: string) => capabilities.includes(cap as CapabilityName);
  const read = (field: 'includes' | 'excludes'): { caps: string[]; arches: string[] } => {
    const condition = entry[field];
    if (condition === undefined || condition === null) return { caps: [], arches: [] };
    if (!isObject(condition)) return bad(`${where}.${field}`, 'must be an object');
    return {
      caps: condition.caps == null ? [] : stringList(condition.caps, `${where}.${field}.caps`, bad),
      arches: condition.arches == null ? [] : stringList(condition.arches, `${where}.${field}.arches`, bad),
    };
  };
  const includes = read('includes');
  const excludes = read('excludes');
  if (!includes.caps.every(has) || excludes.caps.some(has)) return false;
  if (includes.arches.length > 0 && !includes.arches.includes(arch)) return false;
  return !excludes.arches.includes(arch);
}

/** Docker's architecture names, as `includes.arches` uses them. */
function archShortName(native: string): string {
  const names: Record<string, string> = {
    SCMP_ARCH_X86_64: 'amd64',
    SCMP_ARCH_X86: '386',
    SCMP_ARCH_AARCH64: 'arm64',
    SCMP_ARCH_ARM: 'arm',
    SCMP_ARCH_PPC64LE: 'ppc64le',
    SCMP_ARCH_RISCV64: 'riscv64',
    SCMP_ARCH_S390X: 's390x',
    SCMP_ARCH_LOONGARCH64: 'loong64',
  };
  return names[native] ?? native;
}

/**
 * What is wrong with a spec's `linux.seccomp` (for validateSpec), if
 * anything. The OCI schema has already checked its shape and names; what
 * is left is what ts-nspawn cannot carry out. A plain loop: it runs on
 * every start, on cold code.
 */
export function seccompProblem(seccomp: LinuxSeccomp | undefined): string | undefined {
  if (seccomp === undefined) return undefined;
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY' || (seccomp as { listenerPath?: unknown }).listenerPath !== undefined) {
    return 'seccomp notify listeners (SCMP_ACT_NOTIFY, listenerPath) are not supported';
  }
  if (!SECCOMP_ACTIONS.has(seccomp.defaultAction)) return `defaultAction ${seccomp.defaultAction} is not supported`;
  const syscalls = seccomp.syscalls ?? [];
  for (let i = 0; i < syscalls.length; i++) {
    const syscall = syscalls[i]!;
    if (!SECCOMP_ACTIONS.has(syscall.action)) return `syscalls[${i}].action ${syscall.action} is not supported`;
    for (const arg of syscall.args ?? []) {
      if (!(arg.index >= 0 && arg.index <= 5)) return `syscalls[${i}]: argument index ${arg.index} is not 0-5`;
      if (!SECCOMP_OPERATORS.has(arg.op)) return `syscalls[${i}]: operator ${arg.op} is not supported`;
    }
  }
  return undefined;
}
