/**
 * The OCI runtime specification (config.json), the one internal model of a
 * container. Every front door (the nspawn-style CLI, the runc-style CLI, the
 * library) produces one of these; only this object is compiled into a plan.
 * Field names and shapes follow opencontainers/runtime-spec config.md and
 * config-linux.md; only the parts ts-nspawn implements are typed.
 */

export interface Spec {
  ociVersion: string;
  process?: Process;
  root: Root;
  hostname?: string;
  mounts?: Mount[];
  annotations?: Record<string, string>;
  linux?: Linux;
}

export interface Root {
  /** Absolute, or relative to the bundle directory. */
  path: string;
  readonly?: boolean;
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
}

export interface User {
  uid: number;
  gid: number;
  /** Applied just before the command starts; 0o022 when unset, like runc. */
  umask?: number;
  additionalGids?: number[];
  /** Windows only; refused by validateSpec. */
  username?: string;
}

export type CapabilityName = `CAP_${string}`;

export interface Capabilities {
  bounding?: CapabilityName[];
  effective?: CapabilityName[];
  inheritable?: CapabilityName[];
  permitted?: CapabilityName[];
  ambient?: CapabilityName[];
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface Mount {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface Namespace {
  type: NamespaceType;
  /** Join this existing namespace instead of creating one. */
  path?: string;
}

export interface Device {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface Linux {
  namespaces?: Namespace[];
  devices?: Device[];
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: 'private' | 'rprivate' | 'slave' | 'rslave' | 'shared' | 'rshared';
  cgroupsPath?: string;
  sysctl?: Record<string, string>;
  resources?: LinuxResources;
  seccomp?: LinuxSeccomp;
}

/** config-linux.md "Seccomp": libseccomp's names (SCMP_ACT_*, SCMP_ARCH_*, SCMP_CMP_*). */
export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: LinuxSyscall[];
}

export interface LinuxSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** One rule of the device policy; rules apply in order, the last match wins. */
export interface LinuxDeviceCgroup {
  allow: boolean;
  /** `a` (all), `c` or `b`; default `a`. */
  type?: 'a' | 'c' | 'b';
  /** Unset or null: any. */
  major?: number | null;
  minor?: number | null;
  /** Any of `r`, `w`, `m`; default `rwm`. */
  access?: string;
}

/** linux.resources: what the cgroup manager applies. */
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  /** limit 0 or below: unlimited. */
  pids?: { limit: number };
  /** Bytes; -1: unlimited. `swap` is memory+swap together (v1's memsw), as in runc and podman. */
  memory?: { limit?: number; swap?: number };
  /**
   * quota/period in microseconds (quota -1: unlimited); shares as on cgroup
   * v1 (2..262144); cpus and mems are cpuset lists such as `0-2,4`.
   */
  cpu?: { quota?: number; period?: number; shares?: number; cpus?: string; mems?: string };
  /** weight as blkio.weight (10..1000). */
  blockIO?: { weight?: number };
}

export const OCI_VERSION = '1.2.0';
