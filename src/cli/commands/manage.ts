/** `ts-nspawn stop|kill|rm|gc`, and the monitor's hidden exit hook `cleanup`. */
import type { Command } from 'commander';
import { collectGarbage, killContainer, reconcile, removeContainer, stopContainer } from '../../runtime/lifecycle.js';
import { parseNonNegative, parseSignal } from '../parse-values.js';

export function registerManage(program: Command, exit: (status: number) => void): void {
  program
    .command('stop')
    .summary('stop a container gracefully')
    .description('Ask PID 1 to stop (SIGRTMIN+3 to a booted systemd, SIGTERM to others); SIGKILL after the time-out.')
    .argument('<name>', 'machine name')
    .option('--timeout <seconds>', 'seconds to wait before SIGKILL', '10')
    .action(async (name: string, flags: { timeout: string }) => {
      await stopContainer(name, parseNonNegative(flags.timeout, '--timeout'));
      exit(0);
    });
  program
    .command('kill')
    .summary('send a signal to a container')
    .description("Send SIGNAL (default TERM; a name or a number) to the container's PID 1, or with --all to all its processes.")
    .argument('<name>', 'machine name')
    .argument('[signal]', 'signal name or number', 'TERM')
    .option('--all', 'signal every process of the container')
    .action(async (name: string, signal: string, flags: { all?: boolean }) => {
      await killContainer(name, parseSignal(signal), flags.all);
      exit(0);
    });
  program
    .command('rm')
    .summary('forget a stopped container')
    .description('Remove a stopped container and its log; -f stops (kills) it first.')
    .argument('<name...>', 'machine names')
    .option('-f, --force', 'kill it first if it runs')
    .action(async (names: string[], flags: { force?: boolean }) => {
      for (const name of names) await removeContainer(name, flags.force);
      exit(0);
    });
  program
    .command('gc')
    .summary('remove stopped and crashed containers')
    .description('Find containers whose processes are gone (stopped, or crashed monitors), release what they left on the host and forget them.')
    .action(async () => {
      for (const name of await collectGarbage()) process.stdout.write(`removed ${name}\n`);
      exit(0);
    });
  program
    .command('cleanup', { hidden: true })
    .description("run by a detached container's monitor once PID 1 is gone")
    .argument('<name>')
    .action(async (name: string) => {
      await reconcile(name);
      exit(0);
    });
}
