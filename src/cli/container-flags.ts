/**
 * The options shared by `run` and `boot`: their definitions, and their
 * translation into ContainerOptions.
 */
import { isTerminal } from '../host/terminal.js';
import { ContainerError } from '../errors.js';
import type { BindMount, ContainerOptions, DeviceOption, UserNetworkOptions } from '../oci/container-options.js';
import { parsePortForward } from '../network/ports.js';
import { quote } from '../quote.js';
import { option, type Flags, type OptionDef } from './command-line.js';
import type { ResourceLimits } from '../oci/resources.js';
import { parseInteger, parseNonNegative, parseRlimit, parseSize } from './parse-values.js';
import { parseOwnership, parsePrivateUsers } from '../oci/private-users.js';
import { SECURITY_OPTIONS, toSecurityOptions } from './security-flags.js';

/** The cgroup limits: taken by run, boot, create and update. */
export const LIMIT_OPTIONS: OptionDef[] = [
  option('memory', 'memory limit (bytes, or with k, m, g; -1: unlimited)', { value: 'SIZE' }),
  option('memory-swap', 'memory and swap together, at least --memory (-1: unlimited swap)', { value: 'SIZE' }),
  option('cpus', 'CPU time limit, in CPUs (0.5: half of one)', { value: 'N' }),
  option('cpu-weight', 'relative CPU weight, 1-10000 (default 100)', { value: 'N' }),
  option('cpuset-cpus', 'CPUs the container may run on (0-2,4)', { value: 'LIST' }),
  option('io-weight', 'relative block I/O weight, 10-1000 (default 500; a warning if the host has no weight file)', { value: 'N' }),
];

export const CONTAINER_OPTIONS: OptionDef[] = [
  option('directory', 'root directory of the container', { short: 'D', value: 'DIR' }),
  option('machine', "machine name (default: the directory's base name, made unique)", { short: 'M', value: 'NAME' }),
  option('hostname', 'hostname inside the container (default: the machine name)', { value: 'NAME' }),
  option('bind', 'bind-mount a host path into the container', { value: 'SRC[:DST]', multiple: true }),
  option('bind-ro', 'like --bind, read-only', { value: 'SRC[:DST]', multiple: true }),
  option('setenv', 'set an environment variable', { short: 'E', value: 'NAME=VALUE', multiple: true }),
  option('chdir', 'working directory inside the container', { value: 'DIR' }),
  option('user', 'run as this user (a number or a name from the container)', { short: 'u', value: 'UID[:GID]' }),
  option('detach', 'start in the background; print the machine name', { short: 'd' }),
  option('network', 'the network: none (loopback only, the default), host, bridge:BRIDGE, pasta[:OPTION,...] or slirp4netns[:KEY=VALUE,...] (user-mode, works rootless)', { value: 'MODE' }),
  option('publish', 'forward a host port to the container (with --network=pasta or slirp4netns)', { short: 'p', value: '[HOSTADDR:]HOSTPORT:CONTAINERPORT[/tcp|udp]', multiple: true }),
  option('host-network', "share the host's network namespace"),
  option('network-bridge', 'connect the container to this host bridge through a veth pair', { value: 'BRIDGE' }),
  option('address', "static address of the container's eth0 (IPv4 or IPv6)", { value: 'ADDR/PREFIX', multiple: true }),
  option('gateway', 'default route via this address (one per family)', { value: 'ADDR', multiple: true }),
  option('device', 'give the container this host device node (and only it may be opened besides the defaults)', { value: 'HOST[:CONTAINER][:rwm]', multiple: true }),
  option('pids-limit', 'most processes at once (default 2048, booted: 16384; 0 or -1: unlimited)', { value: 'N' }),
  ...LIMIT_OPTIONS,
  option('cpuset-mems', 'NUMA memory nodes the container may use', { value: 'LIST' }),
  option('rlimit', "a resource limit of the command, as ulimit's (NOFILE=1024:4096; unlimited: no limit)", { value: 'NAME=SOFT[:HARD]', multiple: true }),
  option('cgroup-parent', 'put the container\'s cgroup at PATH/ts-nspawn/NAME (PATH relative to the hierarchy roots; default: the roots)', { value: 'PATH' }),
  option('private-users', "user namespace: the container's root is an unprivileged host range (no, yes = pick, pick, identity, UID[:COUNT]; boot's default: pick where the root can be idmapped)", { value: 'MODE' }),
  option('private-users-ownership', "how the tree's files get owners in that range: auto (default: map, else chown), map (idmapped mount), chown (once, on disk), off", { value: 'MODE' }),
  ...SECURITY_OPTIONS,
];

export const CONSOLE_OPTIONS: OptionDef[] = [
  option('console', 'give the command a PTY as console and stdio (default when stdin is a terminal)', { short: 't' }),
  option('pipe', 'pass stdio straight through, even on a terminal', { short: 'P' }),
];

const strings = (value: Flags[string]): string[] => (Array.isArray(value) ? value : []);
const text = (value: Flags[string]): string | undefined => (typeof value === 'string' ? value : undefined);

/** `stdinIsTerminal` decides the console default (given by tests). */
export function toContainerOptions(flags: Flags, command: string[], boot: boolean, stdinIsTerminal = isTerminal(0)): ContainerOptions {
  const mode = networkMode(flags);
  const networkBridge = mode.bridge;
  if (!networkBridge && (flags.address || flags.gateway)) {
    throw new ContainerError('--address and --gateway configure the veth of --network-bridge: add --network-bridge BRIDGE');
  }
  // A detached command has no terminal to inherit: it gets a console only when asked (-t).
  const interactive = !flags.detach && stdinIsTerminal;
  const console = boot || (flags.pipe ? false : flags.console === true || (flags.console === undefined && interactive));
  return {
    directory: text(flags.directory) ?? '',
    command,
    boot,
    machine: text(flags.machine),
    hostname: text(flags.hostname),
    binds: [...strings(flags.bind).map((spec) => parseBind(spec, false)), ...strings(flags.bindRo).map((spec) => parseBind(spec, true))],
    env: strings(flags.setenv),
    chdir: text(flags.chdir),
    user: text(flags.user),
    console,
    term: process.env.TERM,
    hostNetwork: mode.host,
    network: networkBridge ? { bridge: networkBridge, addresses: strings(flags.address), gateways: strings(flags.gateway) } : undefined,
    ...(mode.user ? { userNetwork: mode.user } : {}),
    devices: strings(flags.device).map(parseDevice),
    ...toResourceLimits(flags),
    cpusetMems: text(flags.cpusetMems),
    rlimits: strings(flags.rlimit).map(parseRlimit),
    cgroupParent: text(flags.cgroupParent),
    privateUsers: flags.privateUsers === undefined ? undefined : parsePrivateUsers(text(flags.privateUsers) ?? ''),
    privateUsersOwnership: flags.privateUsersOwnership === undefined ? undefined : parseOwnership(text(flags.privateUsersOwnership) ?? ''),
    ...toSecurityOptions(flags),
  };
}

interface NetworkMode {
  host: boolean;
  bridge?: string;
  user?: UserNetworkOptions;
}

const NETWORK_MODES = 'none, host, bridge:BRIDGE, pasta[:OPTION,...] or slirp4netns[:KEY=VALUE,...]';

/**
 * --network=MODE (podman's), with --host-network and --network-bridge
 * kept: one network per container, so two that differ are refused.
 * `pasta:-T,auto` passes pasta its own options, split at commas.
 */
function networkMode(flags: Flags): NetworkMode {
  const given = text(flags.network);
  const bridgeFlag = text(flags.networkBridge);
  const hostFlag = flags.hostNetwork === true;
  const ports = strings(flags.publish).map(parsePortForward);
  let mode: NetworkMode = { host: hostFlag, bridge: bridgeFlag };
  if (given !== undefined) {
    const colon = given.indexOf(':');
    const name = colon < 0 ? given : given.slice(0, colon);
    const rest = colon < 0 ? undefined : given.slice(colon + 1);
    const exclusive = (other: string | false | undefined) => {
      if (other) throw new ContainerError(`--network=${given} and ${other} exclude each other: a container has one network, choose one`);
    };
    if ((name === 'none' || name === 'host') && rest === undefined) {
      exclusive(bridgeFlag && `--network-bridge ${bridgeFlag}`);
      if (name === 'none') exclusive(hostFlag && '--host-network');
      mode = { host: name === 'host' };
    } else if (name === 'bridge' && rest) {
      exclusive(bridgeFlag && bridgeFlag !== rest && `--network-bridge ${bridgeFlag}`);
      exclusive(hostFlag && '--host-network');
      mode = { host: false, bridge: rest };
    } else if (name === 'pasta' || name === 'slirp4netns') {
      exclusive(bridgeFlag && `--network-bridge ${bridgeFlag}`);
      exclusive(hostFlag && '--host-network');
      mode = { host: false, user: { helper: name, options: rest ? rest.split(',') : [], ports } };
    } else {
      throw new ContainerError(`invalid --network ${quote(given)}: expected ${NETWORK_MODES}`);
    }
  }
  if (ports.length > 0 && !mode.user) {
    throw new ContainerError('--publish needs --network=pasta or --network=slirp4netns: the ports are forwarded by that helper');
  }
  return mode;
}

/** The limit flags (LIMIT_OPTIONS and --pids-limit) given, parsed; the ranges are checked by limitResources. */
export function toResourceLimits(flags: Flags): ResourceLimits {
  const value = <T>(key: string, parse: (text: string, flag: string) => T): T | undefined => {
    const given = text(flags[key]);
    return given === undefined ? undefined : parse(given, `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`);
  };
  return {
    pidsLimit: value('pidsLimit', parseInteger),
    memory: value('memory', parseSize),
    memorySwap: value('memorySwap', parseSize),
    cpus: value('cpus', parseNonNegative),
    cpuWeight: value('cpuWeight', parseInteger),
    cpusetCpus: text(flags.cpusetCpus),
    ioWeight: value('ioWeight', parseInteger),
  };
}

/** --device HOST[:CONTAINER][:rwm], as podman: a second part without a leading / is the permissions. */
function parseDevice(spec: string): DeviceOption {
  const [source = '', second, third] = spec.split(':');
  if (second === undefined) return { source };
  if (third !== undefined) return { source, destination: second, access: third };
  return second.startsWith('/') ? { source, destination: second } : { source, access: second };
}

/** --bind SRC[:DST] */
function parseBind(spec: string, readOnly: boolean): BindMount {
  const colon = spec.indexOf(':');
  if (colon < 0) return { source: spec, readOnly };
  return { source: spec.slice(0, colon), destination: spec.slice(colon + 1), readOnly };
}
