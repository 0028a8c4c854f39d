/**
 * Section 6: the create -> start -> delete cycle, the path container
 * engines take (podman, containerd and CRI-O call the runtime once per
 * phase). Each sample is the sum of the three commands' start-to-exit
 * times, for /bin/true on the busybox tree: ts-nspawn's `create`, `start`,
 * `rm -f` against crun's and runc's `create`, `start`, `delete --force`.
 * Runners are interleaved round by round like section 1.
 */
import { throwIfInterrupted } from './cleanup.js';
import { commandPath, firstLine } from './host.js';
import { deleteLeftoversAtCleanup, makeBundle } from './oci-bundle.js';
import { hybridUnifiedMounted, timerWithoutUnifiedCgroup, withoutUnifiedCgroup } from './private-namespace.js';
import type { BenchContext, Runner } from './runners.js';
import { CommandFailed, instantiate, localTimer, type LoopOptions, type Timer, ITERATION } from './spawn-timer.js';
import type { Outcome } from './start-to-exit.js';
import { join } from 'node:path';

interface Cycle {
  timer: Timer;
  /** argv templates of create, start and delete; ITERATION makes the ID unique. */
  phases: string[][];
}

interface CycleRunner extends Runner {
  prepareCycle(ctx: BenchContext): Promise<Cycle>;
}

const tsNspawnCycle: CycleRunner = {
  name: 'ts-nspawn CLI',
  missing: () => undefined,
  version: (ctx) => firstLine([ctx.cli, '--version']) ?? '?',
  prepare: async () => ({ timer: localTimer, template: [] }),
  async prepareCycle(ctx) {
    const name = `${ctx.idPrefix}c-${ITERATION}`;
    return {
      timer: localTimer,
      phases: [
        [ctx.cli, 'create', '-M', name, '-D', ctx.root, '/bin/true'],
        [ctx.cli, 'start', name],
        [ctx.cli, 'rm', '-f', name],
      ],
    };
  },
};

function ociCycle(runtime: 'crun' | 'runc'): CycleRunner {
  const hidesUnified = () => runtime === 'crun' && hybridUnifiedMounted();
  return {
    name: runtime,
    missing: () => (commandPath(runtime) ? undefined : `not installed (apt-get install ${runtime})`),
    version: () => firstLine([runtime, '--version']) ?? '?',
    note: () => (hidesUnified() ? `${runtime} timed inside a private mount namespace without the hybrid unified cgroup, as in section 1` : undefined),
    prepare: async () => ({ timer: localTimer, template: [] }),
    async prepareCycle(ctx) {
      const bundle = join(ctx.workDir, `${runtime}-cycle-bundle`);
      makeBundle(runtime, bundle, ctx.root);
      deleteLeftoversAtCleanup(runtime, ctx.idPrefix, (argv) => (hidesUnified() ? withoutUnifiedCgroup(argv) : argv));
      const id = `${ctx.idPrefix}${runtime}-c-${ITERATION}`;
      return {
        timer: hidesUnified() ? timerWithoutUnifiedCgroup() : localTimer,
        phases: [
          [runtime, 'create', '--bundle', bundle, id],
          [runtime, 'start', id],
          [runtime, 'delete', '--force', id],
        ],
      };
    },
  };
}

export const CYCLE_RUNNERS: CycleRunner[] = [tsNspawnCycle, ociCycle('crun'), ociCycle('runc')];

export async function measureCycle(ctx: BenchContext, options: LoopOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = CYCLE_RUNNERS.map((runner) => ({ runner, skipped: runner.missing(ctx), samples: [] }));
  const active: Array<{ outcome: Outcome; cycle: Cycle }> = [];
  try {
    for (const outcome of outcomes) {
      if (outcome.skipped !== undefined) continue;
      active.push({ outcome, cycle: await (outcome.runner as CycleRunner).prepareCycle(ctx) });
    }
    for (let round = 0; round < options.warmups + options.iterations; round++) {
      const live = active.filter(({ outcome }) => outcome.skipped === undefined);
      for (let k = 0; k < live.length; k++) {
        throwIfInterrupted();
        const entry = live[(round + k) % live.length];
        if (!entry) continue;
        try {
          let total = 0;
          for (const phase of entry.cycle.phases) total += await entry.cycle.timer.time(instantiate(phase, round));
          if (round >= options.warmups) entry.outcome.samples.push(total);
        } catch (error) {
          throwIfInterrupted();
          entry.outcome.skipped = `failed: ${error instanceof CommandFailed ? error.reason : (error as Error).message}`;
          entry.outcome.samples = [];
        }
      }
    }
  } finally {
    await Promise.all(active.map(({ cycle }) => cycle.timer.close().catch(() => {})));
  }
  return outcomes;
}
