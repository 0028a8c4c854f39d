/**
 * Section 2: peak memory of ts-nspawn's own processes. The CLI (Bun) is
 * measured by GNU time on a /bin/true run when installed, and by sampling
 * during a `sleep 1` container; the executor (the CLI's child running
 * build/ts-nspawn-executor) only by sampling, since nothing waits for it
 * but the CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { track } from './cleanup.js';
import { commandPath } from './host.js';
import { statusKiB } from './proc.js';
import { tsNspawnRun, type BenchContext } from './runners.js';

const SAMPLE_EVERY_MS = 5;

/** The child of `parent` whose executable ends with `suffix` (no /proc/PID/task/T/children on every kernel, so scan). */
function childRunning(parent: number, suffix: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm)": state, ppid, ...; comm may itself hold spaces or parens.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readlinkSync(`/proc/${entry}/exe`).endsWith(suffix)) return Number(entry);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return undefined;
}

export interface SampledMemory {
  /** Highest VmHWM of the CLI process seen (KiB). */
  cliHwm?: number;
  /** Highest VmHWM and VmRSS of the executor seen (KiB); undefined when it was never seen. */
  executorHwm?: number;
  executorRss?: number;
}

const max = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/** Samples VmHWM/VmRSS of the CLI and its executor while a `sleep 1` container runs. */
export async function sampleDuringSleep(ctx: BenchContext): Promise<SampledMemory> {
  const [file, ...args] = tsNspawnRun(ctx, ['/bin/sleep', '1']);
  // bin/ts-nspawn execs Bun, so the child's PID ends up being the CLI itself.
  const child = spawn(file ?? ctx.cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const cli = child.pid;
  const seen: SampledMemory = {};
  let executor: number | undefined;
  const sample = () => {
    if (cli === undefined) return;
    seen.cliHwm = max(seen.cliHwm, statusKiB(cli, 'VmHWM'));
    executor ??= childRunning(cli, '/ts-nspawn-executor');
    if (executor !== undefined) {
      seen.executorHwm = max(seen.executorHwm, statusKiB(executor, 'VmHWM'));
      seen.executorRss = max(seen.executorRss, statusKiB(executor, 'VmRSS'));
    }
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  const [code] = (await once(child, 'close')) as [number | null];
  clearInterval(timer);
  if (code !== 0) throw new Error(`ts-nspawn run /bin/sleep 1 failed (exit status ${code}): ${stderr.trim()}`);
  return seen;
}

/**
 * Max RSS by GNU time (%M) for a /bin/true run, or undefined without
 * /usr/bin/time. It is the rusage wait4() reports for the CLI, which folds
 * in the processes the CLI itself waited for (the executor) as a maximum.
 */
export function cliMaxRss(ctx: BenchContext): number | undefined {
  const time = commandPath('time');
  if (!time) return undefined;
  const out = join(ctx.workDir, 'time.out');
  const result = spawnSync(time, ['-f', '%M', '-o', out, ...tsNspawnRun(ctx, ['/bin/true'])], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ts-nspawn run under ${time} failed: ${result.stderr.trim()}`);
  return Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
}
