/**
 * Section 3: sequential containers per second, N /bin/true containers back
 * to back, through the CLI (a process per container, as a shell script
 * would) and through the library in this already-warm Node process.
 */
import { throwIfInterrupted } from './cleanup.js';
import { tsNspawnRun, type BenchContext } from './runners.js';
import { timeOnce, type LoopOptions } from './spawn-timer.js';
import { nsToMs } from './stats.js';

export interface Throughput {
  count: number;
  /** Wall time of the whole sequence, first start to last exit (ms). */
  totalMs: number;
  /** Each container's start-to-exit time (ms). */
  samples: number[];
}

async function sequence(options: LoopOptions, once: () => Promise<number>): Promise<Throughput> {
  for (let i = 0; i < options.warmups; i++) {
    throwIfInterrupted();
    await once();
  }
  const samples: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < options.iterations; i++) {
    throwIfInterrupted();
    samples.push(await once());
  }
  return { count: options.iterations, totalMs: nsToMs(process.hrtime.bigint() - started), samples };
}

export function cliThroughput(ctx: BenchContext, options: LoopOptions): Promise<Throughput> {
  const argv = tsNspawnRun(ctx, ['/bin/true']);
  return sequence(options, () => timeOnce(argv));
}

export async function libraryThroughput(ctx: BenchContext, options: LoopOptions): Promise<Throughput> {
  // Imported here, not at the top, so a broken build only fails this section.
  const { run } = await import('../src/index.js');
  return sequence(options, async () => {
    const started = process.hrtime.bigint();
    const status = await run({ directory: ctx.root, command: ['/bin/true'], stdio: 'ignore' });
    const elapsed = nsToMs(process.hrtime.bigint() - started);
    if (status.exitCode !== 0) throw new Error(`run() of /bin/true ended with ${JSON.stringify(status)}`);
    return elapsed;
  });
}
