/** `ts-nspawn exec [OPTIONS] NAME [--] CMD [ARG...]` */
import { isTerminal } from '../../host/terminal.js';
import { quote } from '../../quote.js';
import { ContainerError } from '../../errors.js';
import { option, type CommandDef } from '../command-line.js';
import { consoleHint } from '../console-hint.js';
import { CONSOLE_OPTIONS } from '../container-flags.js';

export const execCommand: CommandDef = {
  name: 'exec',
  cgroup: 'join',
  summary: 'run a command in a running container',
  usage: '[OPTIONS] NAME [--] COMMAND [ARG...]',
  description: 'Run COMMAND in the running container NAME: in all its namespaces, its cgroup and its root, as a process other than PID 1.',
  options: [
    ...CONSOLE_OPTIONS,
    option('user', "run as this user (default: the container's)", { short: 'u', value: 'UID[:GID]' }),
    option('setenv', 'set an environment variable', { short: 'E', value: 'NAME=VALUE', multiple: true }),
    option('chdir', 'working directory inside the container', { value: 'DIR' }),
  ],
  passThrough: { leading: 1, required: true },
  examples: ['ts-nspawn exec web /bin/sh', 'ts-nspawn exec -u 1000 --chdir /tmp web ls -l'],
  async run(flags, [name = ''], command) {
    const chdir = typeof flags.chdir === 'string' ? flags.chdir : undefined;
    if (chdir !== undefined && !chdir.startsWith('/')) {
      throw new ContainerError(`invalid --chdir ${quote(chdir)}: it must be an absolute path inside the container`);
    }
    const [{ startExec }, { forwardWhileRunning }] = await Promise.all([import('../../runtime/exec.js'), import('../foreground.js')]);
    const console = flags.pipe ? false : flags.console === true || (flags.console === undefined && isTerminal(0));
    consoleHint(console, 'end-exec');
    const status = await forwardWhileRunning(() =>
      startExec(name, {
        command,
        console,
        user: typeof flags.user === 'string' ? flags.user : undefined,
        env: Array.isArray(flags.setenv) ? flags.setenv : undefined,
        chdir,
        escape: console ? 'kill' : 'none',
      }),
    );
    return status.status;
  },
};
