/**
 * Section 1: start-to-exit time of /bin/true under every runner. The runs
 * are interleaved: each round runs every runner once, in an order rotated
 * from round to round, so that load changing on the host while the bench
 * runs (other work on a small VM) hits all runners alike.
 */
import { throwIfInterrupted } from './cleanup.js';
import type { BenchContext, Prepared, Runner } from './runners.js';
import { CommandFailed, instantiate, type LoopOptions } from './spawn-timer.js';

export interface Outcome {
  runner: Runner;
  /** Why there are no samples: not installed, or how it failed. */
  skipped?: string;
  /** Start-to-exit times in ms, warm-ups left out. */
  samples: number[];
}

function reason(error: unknown): string {
  throwIfInterrupted(); // a failure caused by Ctrl-C is the interruption, not the runner's fault
  return error instanceof CommandFailed ? error.reason : (error as Error).message;
}

export async function measureStartToExit(ctx: BenchContext, runners: Runner[], options: LoopOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = runners.map((runner) => ({ runner, skipped: runner.missing(ctx), samples: [] }));
  const active: Array<{ outcome: Outcome; prepared: Prepared }> = [];
  try {
    for (const outcome of outcomes) {
      if (outcome.skipped !== undefined) continue;
      try {
        active.push({ outcome, prepared: await outcome.runner.prepare(ctx) });
      } catch (error) {
        outcome.skipped = `failed: ${reason(error)}`;
      }
    }
    for (let round = 0; round < options.warmups + options.iterations; round++) {
      const live = active.filter(({ outcome }) => outcome.skipped === undefined);
      for (let k = 0; k < live.length; k++) {
        throwIfInterrupted();
        const entry = live[(round + k) % live.length];
        if (!entry) continue;
        try {
          // The round number makes container IDs unique (crun, runc).
          // A sequence (create, start, delete) counts as one sample: the sum of its commands' times.
          let ms = 0;
          for (const template of entry.prepared.sequence ?? [entry.prepared.template]) {
            ms += await entry.prepared.timer.time(instantiate(template, round));
          }
          if (round >= options.warmups) entry.outcome.samples.push(ms);
        } catch (error) {
          entry.outcome.skipped = `failed: ${reason(error)}`;
          entry.outcome.samples = [];
        }
      }
    }
  } finally {
    await Promise.all(active.map(({ prepared }) => prepared.timer.close().catch(() => {})));
  }
  return outcomes;
}
