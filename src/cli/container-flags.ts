/**
 * The options shared by `run` and `boot`: their definitions, and their
 * translation into ContainerOptions.
 */
import { isTerminal } from '../host/terminal.js';
import { ContainerError } from '../errors.js';
import type { BindMount, ContainerOptions } from '../spec/container-options.js';
import { option, type Flags, type OptionDef } from './command-line.js';
import { SECURITY_OPTIONS, toSecurityOptions } from './security-flags.js';

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
    ...toSecurityOptions(flags),
  };
}

/** --bind SRC[:DST] */
function parseBind(spec: string, readOnly: boolean): BindMount {
  const colon = spec.indexOf(':');
  if (colon < 0) return { source: spec, readOnly };
  return { source: spec.slice(0, colon), destination: spec.slice(colon + 1), readOnly };
}
