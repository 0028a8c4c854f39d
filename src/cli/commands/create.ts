/** `ts-nspawn create [OPTIONS] -D DIR [--] COMMAND [ARG...]` */
import { option, requireFlag, UsageError, type CommandDef } from '../command-line.js';
import { CONSOLE_OPTIONS, CONTAINER_OPTIONS, toContainerOptions } from '../container-flags.js';

export const createCommand: CommandDef = {
  name: 'create',
  cgroup: 'create',
  summary: 'create a container, to be started later',
  usage: '[OPTIONS] -D DIR [--] COMMAND [ARG...]',
  description:
    'Create a container from DIR as run -d would, with every namespace, mount, device and network set up, and hold ' +
    'its process just before COMMAND until ts-nspawn start NAME. Prints the machine name. With --boot, COMMAND is ' +
    "optional: the arguments of DIR/sbin/init, booted with a console as boot -d does.",
  options: [
    ...CONTAINER_OPTIONS.filter((candidate) => candidate.key !== 'detach'),
    ...CONSOLE_OPTIONS,
    option('boot', 'boot DIR/sbin/init (COMMAND: its arguments)'),
  ],
  passThrough: { leading: 0, required: false },
  examples: ['ts-nspawn create -M web -D /srv/tree httpd -f -p 8080', 'ts-nspawn start web'],
  async run(flags, _, command) {
    requireFlag(flags, createCommand, 'directory');
    const boot = flags.boot === true;
    if (!boot && command.length === 0) throw new UsageError('create: no command given: say what to run after the options (see ts-nspawn create --help)');
    // Detached: created containers have no terminal to inherit.
    const options = toContainerOptions({ ...flags, detach: true }, command, boot);
    const [{ buildSpec }, { runDetached }] = await Promise.all([import('../../oci/build-spec.js'), import('../foreground.js')]);
    return runDetached(buildSpec(options), true);
  },
};
