/** `ts-nspawn boot [OPTIONS] -D DIR [--] [INIT-ARG...]` */
import type { Command } from 'commander';
import { buildSpec } from '../../spec/build-spec.js';
import { addContainerFlags, toContainerOptions, type ContainerFlags } from '../container-flags.js';
import { runDetached, runInForeground } from '../foreground.js';

export function registerBoot(program: Command, exit: (status: number) => void): void {
  const command = program
    .command('boot')
    .summary('boot DIR/sbin/init with a console')
    .description('Boot the operating system in DIR: run its /sbin/init as PID 1 on a console relayed to this terminal.')
    .argument('[init-args...]', 'arguments for /sbin/init');
  addContainerFlags(command, { consoleFlags: false })
    .passThroughOptions()
    .action(async (args: string[], flags: ContainerFlags) => {
      const spec = buildSpec(toContainerOptions(flags, args, true));
      exit(await (flags.detach ? runDetached(spec) : runInForeground(spec)));
    });
}
