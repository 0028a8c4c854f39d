/**
 * The typed settings of an nspawn-style container: what the `ts-nspawn`
 * command line and the library's `run()` accept. `buildSpec()` turns them
 * into the OCI spec; nothing here knows about argv.
 */

import type { PortForward } from '../network/ports.js';
import type { UserNetworkHelper } from '../network/user-network.js';
import type { SecurityOptions } from '../security/policy.js';
import type { PrivateUsers } from './private-users.js';
import type { Ownership } from './settings.js';

export interface BindMount {
  /** Host path (must exist). */
  source: string;
  /** Absolute path inside the container; defaults to `source`. */
  destination?: string;
  readOnly?: boolean;
}

export interface BridgeNetwork {
  /** An existing bridge on the host that the host end of the veth pair joins. */
  bridge: string;
  /** Static ADDR/PREFIX addresses for the container's eth0 (IPv4 and/or IPv6). */
  addresses: string[];
  /** Default gateways, at most one per address family, inside an address's subnet. */
  gateways?: string[];
}

/** User-mode networking (`--network=pasta[:OPTIONS]`, `--network=slirp4netns[:OPTIONS]`). */
export interface UserNetworkOptions {
  helper: UserNetworkHelper;
  /** pasta: its own arguments (and `--map-gw`); slirp4netns: podman's KEY=VALUE options. */
  options?: string[];
  /** Host ports forwarded to the container (`-p, --publish`). */
  ports?: PortForward[];
}

/** A host device node given to the container (`--device HOST[:CONTAINER][:rwm]`). */
export interface DeviceOption {
  source: string;
  /** Path in the container's /dev; defaults to `source`. */
  destination?: string;
  /** Subset of `rwm`; default `rwm`. */
  access?: string;
}

/** `--rlimit NAME=SOFT[:HARD]`; `'unlimited'` is RLIM_INFINITY. */
export interface RlimitOption {
  name: string;
  soft: number | 'unlimited';
  hard: number | 'unlimited';
}

/** Capabilities, no_new_privs and seccomp: see SecurityOptions. */
export interface ContainerOptions extends SecurityOptions {
  /** The container's root directory. */
  directory: string;
  /** The command to run (`run`), or the arguments for /sbin/init (`boot`). */
  command?: string[];
  /** Boot DIR/sbin/init as an operating-system container. */
  boot?: boolean;
  /** Machine name; defaults to the directory's base name, made hostname-safe. */
  machine?: string;
  /** Defaults to the machine name. */
  hostname?: string;
  binds?: BindMount[];
  /** Extra environment variables (K=V strings or a record). */
  env?: string[] | Record<string, string>;
  /** Working directory inside the container. */
  chdir?: string;
  /** UID[:GID] or NAME[:GROUP], looked up in the container's /etc/passwd. */
  user?: string;
  /** Give the command a PTY as its console and stdio. */
  console?: boolean;
  /** Value of TERM inside the container when it has a console. */
  term?: string;
  /** Share the host's network namespace. */
  hostNetwork?: boolean;
  /** Attach the container to a host bridge with static addresses. */
  network?: BridgeNetwork;
  /** A private network connected by pasta or slirp4netns (works rootless). */
  userNetwork?: UserNetworkOptions;
  /** Most processes at once; 0 or -1: unlimited. Default 2048 (a booted OS: 16384). */
  pidsLimit?: number;
  /** Memory limit in bytes; -1: unlimited. */
  memory?: number;
  /** Memory and swap together in bytes (so at least `memory`); -1: unlimited swap. Needs `memory`. */
  memorySwap?: number;
  /** CPU time as a number of CPUs (0.5: half of one), enforced as a quota per 100 ms period. */
  cpus?: number;
  /** Relative CPU weight as cgroup v2's cpu.weight, 1..10000 (default 100); v1 gets the matching cpu.shares. */
  cpuWeight?: number;
  /** CPUs the container may run on, as a list such as `0-2,4`. */
  cpusetCpus?: string;
  /** NUMA memory nodes the container may use, as a list such as `0`. */
  cpusetMems?: string;
  /** Relative block I/O weight as blkio.weight, 10..1000 (default 500 under bfq). */
  ioWeight?: number;
  /** Resource limits of the command (setrlimit), by name without `RLIMIT_` (`NOFILE`) or with. */
  rlimits?: RlimitOption[];
  /** Host device nodes the container gets and may open. */
  devices?: DeviceOption[];
  /** The cgroup containers go below, relative to the hierarchy roots; default `ts-nspawn`. */
  cgroupParent?: string;
  /**
   * A user namespace: the container's root is an unprivileged host range.
   * Default: `pick` for a booted OS where the root can be idmapped, else `no`.
   */
  privateUsers?: PrivateUsers;
  /** How the tree's files get their owners in that range; default `auto` (map, else chown). */
  privateUsersOwnership?: Ownership;
}
