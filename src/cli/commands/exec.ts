/** `ts-nspawn exec NAME [-t] [-u U] [-E K=V] [--chdir D] [--] CMD [ARG...]` */
import type { Command } from 'commander';
import { ContainerError } from '../../errors.js';
import { startExec } from '../../runtime/exec.js';
import { consoleHint, forwardWhileRunning } from '../foreground.js';

interface ExecFlags {
  console?: boolean;
  pipe?: boolean;
  user?: string;
  setenv?: string[];
  chdir?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerExec(program: Command, exit: (status: number) => void): void {
  program
    .command('exec')
    .summary('run a command in a running container')
    .description("Run COMMAND in the running container NAME: in all its namespaces, its cgroup and its root, as a process other than PID 1.")
    .argument('<name>', 'machine name')
    .argument('<command...>', 'the command and its arguments')
    .option('-t, --console', 'give the command a PTY (default when stdin is a terminal)')
    .option('-P, --pipe', 'pass stdio straight through, even on a terminal')
    .option('-u, --user <uid[:gid]>', "run as this user (default: the container's)")
    .option('-E, --setenv <name=value>', 'set an environment variable (repeatable)', collect)
    .option('--chdir <dir>', 'working directory inside the container')
    .passThroughOptions()
    .action(async (name: string, command: string[], flags: ExecFlags) => {
      if (flags.chdir !== undefined && !flags.chdir.startsWith('/')) {
        throw new ContainerError(`invalid --chdir '${flags.chdir}': it must be an absolute path inside the container`);
      }
      const console = flags.pipe ? false : (flags.console ?? process.stdin.isTTY === true);
      consoleHint(console, 'kill');
      const status = await forwardWhileRunning(async () => {
        const running = await startExec(name, { command, console, user: flags.user, env: flags.setenv, chdir: flags.chdir, escape: console ? 'kill' : 'none' });
        return { kill: running.kill, exited: running.exited };
      });
      exit(status.status);
    });
}
