/**
 * The options shared by `run` and `boot`: their definitions, and their
 * translation into ContainerOptions.
 */
import { isTerminal } from '../host/terminal.js';
import { ContainerError } from '../errors.js';
import type { BindMount, ContainerOptions, DeviceOption } from '../oci/container-options.js';
import { option, type Flags, type OptionDef } from './command-line.js';
import type { ResourceLimits } from '../oci/resources.js';
import { parseInteger, parseNonNegative, parseRlimit, parseSize } from './parse-values.js';
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
  const networkBridge = text(flags.networkBridge);
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
    hostNetwork: flags.hostNetwork === true,
    network: networkBridge ? { bridge: networkBridge, addresses: strings(flags.address), gateways: strings(flags.gateway) } : undefined,
    devices: strings(flags.device).map(parseDevice),
    ...toResourceLimits(flags),
    cpusetMems: text(flags.cpusetMems),
    rlimits: strings(flags.rlimit).map(parseRlimit),
    cgroupParent: text(flags.cgroupParent),
    ...toSecurityOptions(flags),
  };
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
