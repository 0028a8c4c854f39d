/**
 * The options shared by `run` and `boot` (and, in part, the sh-nspawn
 * form): their definitions, and their translation into ContainerOptions.
 */
import type { Command } from 'commander';
import { ContainerError } from '../errors.js';
import type { BindMount, ContainerOptions } from '../spec/container-options.js';

export interface ContainerFlags {
  directory?: string;
  machine?: string;
  hostname?: string;
  bind?: string[];
  bindRo?: string[];
  setenv?: string[];
  chdir?: string;
  user?: string;
  console?: boolean;
  pipe?: boolean;
  hostNetwork?: boolean;
  detach?: boolean;
  networkBridge?: string;
  address?: string[];
  gateway?: string[];
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function addContainerFlags(command: Command, { consoleFlags }: { consoleFlags: boolean }): Command {
  command
    .requiredOption('-D, --directory <dir>', 'root directory of the container')
    .option('-M, --machine <name>', "machine name (default: the directory's base name)")
    .option('--hostname <name>', 'hostname inside the container (default: the machine name)')
    .option('--bind <src[:dst]>', 'bind-mount a host path into the container (repeatable)', collect)
    .option('--bind-ro <src[:dst]>', 'like --bind, read-only (repeatable)', collect)
    .option('-E, --setenv <name=value>', 'set an environment variable (repeatable)', collect)
    .option('--chdir <dir>', 'working directory inside the container')
    .option('-u, --user <uid[:gid]>', 'run as this user (a number or a name from the container)')
    .option('-d, --detach', 'start in the background; print the machine name');
  if (consoleFlags) {
    command
      .option('-t, --console', 'give the command a PTY as console and stdio (default when stdin is a terminal)')
      .option('-P, --pipe', 'pass stdio straight through, even on a terminal');
  }
  return command
    .option('--host-network', "share the host's network namespace")
    .option('--network-bridge <bridge>', 'connect the container to this host bridge through a veth pair')
    .option('--address <addr/prefix>', "static address of the container's eth0 (repeatable; IPv4 or IPv6)", collect)
    .option('--gateway <addr>', 'default route via this address (repeatable: one per family)', collect);
}

export function toContainerOptions(flags: ContainerFlags, command: string[], boot: boolean): ContainerOptions {
  if (!flags.networkBridge && (flags.address || flags.gateway)) {
    throw new ContainerError('--address and --gateway configure the veth of --network-bridge: add --network-bridge BRIDGE');
  }
  // A detached command has no terminal to inherit: it gets a console only when asked (-t).
  const interactive = !flags.detach && process.stdin.isTTY === true;
  const console = boot || (flags.pipe ? false : (flags.console ?? interactive));
  return {
    directory: flags.directory ?? '',
    command,
    boot,
    machine: flags.machine,
    hostname: flags.hostname,
    binds: [...(flags.bind ?? []).map((spec) => parseBind(spec, false)), ...(flags.bindRo ?? []).map((spec) => parseBind(spec, true))],
    env: flags.setenv,
    chdir: flags.chdir,
    user: flags.user,
    console,
    term: process.env.TERM,
    hostNetwork: flags.hostNetwork,
    network: flags.networkBridge
      ? { bridge: flags.networkBridge, addresses: flags.address ?? [], gateways: flags.gateway ?? [] }
      : undefined,
  };
}

/** --bind SRC[:DST] */
function parseBind(spec: string, readOnly: boolean): BindMount {
  const colon = spec.indexOf(':');
  if (colon < 0) return { source: spec, readOnly };
  return { source: spec.slice(0, colon), destination: spec.slice(colon + 1), readOnly };
}
