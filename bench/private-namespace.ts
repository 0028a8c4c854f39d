/**
 * crun (1.8) refuses to run on a hybrid cgroup host while a cgroup2 mount
 * holding a controller is visible at /sys/fs/cgroup/unified ("cgroups in
 * hybrid mode not supported, drop all controllers from cgroupv2"). Its runs
 * therefore happen in a private mount namespace where that mount is gone;
 * the host's mounts are untouched. The runs are timed there by a helper
 * (timer-child.ts) with the same timer as everywhere else.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onCleanup, track } from './cleanup.js';
import { CommandFailed, type Timer } from './spawn-timer.js';

const UNIFIED = '/sys/fs/cgroup/unified';
const TIMER_CHILD = fileURLToPath(new URL('./timer-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Whether a cgroup2 file system is mounted at /sys/fs/cgroup/unified (hybrid layout). */
export function hybridUnifiedMounted(): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => {
      const [before, after] = line.split(' - ');
      return before?.split(' ')[4] === UNIFIED && after?.startsWith('cgroup2 ');
    });
}

/** argv run in a new private mount namespace without the cgroup2 mount. */
export function withoutUnifiedCgroup(argv: readonly string[]): string[] {
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `umount ${UNIFIED} && exec "$@"`, 'sh', ...argv];
}

/** Starts the helper timer inside the private namespace; it ends when closed or at clean-up. */
export function timerWithoutUnifiedCgroup(): Timer {
  // process.execArgv carries `--import tsx`, which the helper needs too.
  const [file, ...args] = withoutUnifiedCgroup([process.execPath, ...process.execArgv, TIMER_CHILD]);
  const child = spawn(file ?? 'unshare', args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  onCleanup('the timer in the private mount namespace', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Failures show up as the answer stream ending; these only keep them from being thrown here.
  child.on('error', (error) => (stderr += `\n${error.message}`));
  child.stdin?.on('error', () => {});
  const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const gone = (argv: readonly string[]) => {
    const why = stderr.trim().split('\n').at(-1);
    return new CommandFailed(argv, `the timer in the private mount namespace ended${why ? `: ${why}` : ''}`);
  };
  return {
    async time(argv) {
      if (!child.stdin?.writable) throw gone(argv);
      child.stdin.write(`${JSON.stringify({ argv })}\n`);
      const answer = await answers.next();
      if (answer.done) throw gone(argv);
      const result = JSON.parse(answer.value) as { ms?: number; error?: string };
      if (result.ms === undefined) throw new CommandFailed(argv, result.error ?? 'no answer');
      return result.ms;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin?.end();
      await exited;
    },
  };
}
