/** `ts-nspawn run [OPTIONS] -D DIR [--] COMMAND [ARG...]` */
import { requireFlag, type CommandDef } from '../command-line.js';
import { CONSOLE_OPTIONS, CONTAINER_OPTIONS, toContainerOptions } from '../container-flags.js';

export const runCommand: CommandDef = {
  name: 'run',
  cgroup: 'create',
  summary: 'run one command in a container',
  usage: '[OPTIONS] -D DIR [--] COMMAND [ARG...]',
  description: 'Run COMMAND as PID 1 in a container made from the root directory DIR. Options end at COMMAND: what follows is its own.',
  options: [...CONTAINER_OPTIONS, ...CONSOLE_OPTIONS],
  passThrough: { leading: 0, required: true },
  examples: [
    "ts-nspawn run -D /srv/tree /bin/sh -c 'echo hello from $(hostname)'",
    'ts-nspawn run -d -M web -D /srv/tree --network-bridge br0 --address 10.0.0.2/24 httpd -f',
    'ts-nspawn run -d -M web -D /srv/tree --network=pasta -p 8080:80 httpd -f -p 80',
  ],
  async run(flags, _, command) {
    requireFlag(flags, runCommand, 'directory');
    const options = toContainerOptions(flags, command, false);
    // Loaded on use: the CLI's start-up time is part of every container's.
    const [{ buildSpec }, { runDetached, runInForeground }] = await Promise.all([import('../../oci/build-spec.js'), import('../foreground.js')]);
    const spec = buildSpec(options);
    return flags.detach ? runDetached(spec) : runInForeground(spec);
  },
};
