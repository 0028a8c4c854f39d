/**
 * The sh-nspawn command form, kept for its users:
 *   ts-nspawn -p DIR -b BRIDGE -a ADDR/PREFIX -r GATEWAY
 * is `ts-nspawn boot -D DIR --network-bridge BRIDGE --address ADDR/PREFIX --gateway GATEWAY`.
 */
import type { Command } from 'commander';
import { ContainerError } from '../errors.js';
import { buildSpec } from '../spec/build-spec.js';
import type { ContainerOptions } from '../spec/container-options.js';
import { runInForeground } from './foreground.js';

interface ShNspawnFlags {
  path?: string;
  bridge?: string;
  address?: string;
  route?: string;
}

export function addShNspawnForm(program: Command, exit: (status: number) => void): void {
  program
    .option('-p, --path <dir>', 'sh-nspawn form: boot the OS tree at DIR')
    .option('-b, --bridge <bridge>', 'sh-nspawn form: bridge for the veth pair')
    .option('-a, --address <addr/prefix>', 'sh-nspawn form: address of the container')
    .option('-r, --route <gateway>', 'sh-nspawn form: default route via this gateway')
    .action(async (flags: ShNspawnFlags) => {
      if (!flags.path) {
        throw new ContainerError('no command given: use run, boot or the sh-nspawn form -p DIR -b BRIDGE -a ADDR/PREFIX -r GATEWAY');
      }
      exit(await runInForeground(buildSpec(shNspawnOptions(flags))));
    });
}

function shNspawnOptions(flags: ShNspawnFlags): ContainerOptions {
  if ((flags.address || flags.route) && !flags.bridge) {
    throw new ContainerError('-a and -r need -b BRIDGE: the address is given to a veth on that bridge');
  }
  if (flags.bridge && !flags.address) throw new ContainerError('-b needs -a ADDR/PREFIX for the container');
  return {
    directory: flags.path ?? '',
    boot: true,
    console: true,
    term: process.env.TERM,
    network: flags.bridge
      ? { bridge: flags.bridge, addresses: [flags.address ?? ''], gateways: flags.route ? [flags.route] : [] }
      : undefined,
  };
}
