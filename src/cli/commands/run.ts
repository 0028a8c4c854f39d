/** `ts-nspawn run [OPTIONS] -D DIR [--] COMMAND [ARG...]` */
import type { Command } from 'commander';
import { buildSpec } from '../../spec/build-spec.js';
import { addContainerFlags, toContainerOptions, type ContainerFlags } from '../container-flags.js';
import { runDetached, runInForeground } from '../foreground.js';

export function registerRun(program: Command, exit: (status: number) => void): void {
  const command = program
    .command('run')
    .summary('run one command in a container')
    .description('Run COMMAND as PID 1 in a container made from the root directory DIR.')
    .argument('<command...>', 'the command and its arguments');
  addContainerFlags(command, { consoleFlags: true })
    .passThroughOptions()
    .action(async (args: string[], flags: ContainerFlags) => {
      const spec = buildSpec(toContainerOptions(flags, args, false));
      exit(await (flags.detach ? runDetached(spec) : runInForeground(spec)));
    });
}
