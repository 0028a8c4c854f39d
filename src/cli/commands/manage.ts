/** `ts-nspawn stop|kill|rm|gc`, and the monitor's hidden exit hook `cleanup`. */
import { print } from '../output.js';
import { isRestartRequest } from '../../runtime/boot-exit.js';
import { option, type CommandDef } from '../command-line.js';
import { parseNonNegative, parseSignal } from '../parse-values.js';

export const stopCommand: CommandDef = {
  name: 'stop',
  summary: 'stop a container gracefully',
  usage: '[--timeout SECONDS] NAME',
  description: 'Ask PID 1 to stop (SIGRTMIN+3 to a booted systemd, SIGTERM to others); SIGKILL after the time-out (default 10 s).',
  options: [option('timeout', 'seconds to wait before SIGKILL', { value: 'SECONDS' })],
  positionals: { min: 1, max: 1 },
  async run(flags, [name = '']) {
    const { stopContainer } = await import('../../runtime/lifecycle.js');
    await stopContainer(name, typeof flags.timeout === 'string' ? parseNonNegative(flags.timeout, '--timeout') : 10);
    return 0;
  },
};

export const killCommand: CommandDef = {
  name: 'kill',
  summary: 'send a signal to a container',
  usage: '[--all] NAME [SIGNAL]',
  description: "Send SIGNAL (default TERM; a name like HUP or RTMIN+3, or a number) to the container's PID 1, or with --all to all its processes.",
  options: [option('all', 'signal every process of the container')],
  positionals: { min: 1, max: 2 },
  async run(flags, [name = '', signal = 'TERM']) {
    const number = parseSignal(signal);
    const { killContainer } = await import('../../runtime/lifecycle.js');
    await killContainer(name, number, flags.all === true);
    return 0;
  },
};

export const rmCommand: CommandDef = {
  name: 'rm',
  summary: 'forget a stopped container',
  usage: '[-f] NAME...',
  description: 'Remove a stopped container and its log; -f stops (kills) it first.',
  options: [option('force', 'kill it first if it runs', { short: 'f' })],
  positionals: { min: 1, max: Infinity },
  async run(flags, names) {
    const { removeContainer } = await import('../../runtime/lifecycle.js');
    for (const name of names) await removeContainer(name, flags.force === true);
    return 0;
  },
};

export const gcCommand: CommandDef = {
  name: 'gc',
  summary: 'remove stopped and crashed containers',
  usage: '',
  description: 'Find containers whose processes are gone (stopped, or crashed monitors), release what they left on the host and forget them.',
  options: [],
  async run() {
    const { collectGarbage } = await import('../../runtime/lifecycle.js');
    for (const name of await collectGarbage()) print(`removed ${name}\n`);
    return 0;
  },
};

/** Run by a container's supervisor in its place once PID 1 is gone (and nobody else is there to clean up). */
export const cleanupCommand: CommandDef = {
  name: 'cleanup',
  summary: "release a finished container's host resources",
  usage: 'NAME',
  description: "Run by a container's supervisor once PID 1 is gone.",
  options: [],
  positionals: { min: 1, max: 1 },
  hidden: true,
  async run(_, [name = '']) {
    const { reconcile } = await import('../../runtime/lifecycle.js');
    const record = await reconcile(name);
    // A booted OS that rebooted: start it again, as systemd-nspawn does.
    if (record?.boot && record.detached && !record.stopRequested && record.exit && isRestartRequest(record.exit)) {
      const { restartDetached } = await import('../../runtime/container.js');
      await restartDetached(name);
    }
    return 0;
  },
};
