/** `ts-nspawn boot [OPTIONS] -D DIR [--] [INIT-ARG...]` */
import { requireFlag, type CommandDef } from '../command-line.js';
import { CONTAINER_OPTIONS, toContainerOptions } from '../container-flags.js';

export const bootCommand: CommandDef = {
  name: 'boot',
  cgroup: 'create',
  summary: 'boot DIR/sbin/init with a console',
  usage: '[OPTIONS] -D DIR [--] [INIT-ARG...]',
  description:
    "Boot the operating system in DIR: run its /sbin/init as PID 1 on a console relayed to this terminal. poweroff or halt inside ends it (exit status 0), reboot starts it again; SIGTERM to ts-nspawn asks init to shut down in order.",
  options: CONTAINER_OPTIONS,
  passThrough: { leading: 0, required: false },
  examples: [
    'ts-nspawn boot -D /var/lib/machines/debian',
    'ts-nspawn boot -d -M deb -D /var/lib/machines/debian --network-bridge br0 --address 10.0.0.2/24 --gateway 10.0.0.1',
  ],
  async run(flags, _, command) {
    requireFlag(flags, bootCommand, 'directory');
    const options = toContainerOptions(flags, command, true);
    const [{ buildSpec }, { runDetached, runInForeground }] = await Promise.all([import('../../oci/build-spec.js'), import('../foreground.js')]);
    const spec = buildSpec(options);
    return flags.detach ? runDetached(spec) : runInForeground(spec);
  },
};
