/**
 * Section 6: the create -> start -> delete cycle, the path container
 * engines take (podman, containerd and CRI-O call the runtime once per
 * phase). Each sample is the sum of the three commands' start-to-exit
 * times, for /bin/true on the busybox tree: ts-nspawn's `create`, `start`,
 * `rm -f` against crun's and runc's `create`, `start`, `delete --force`.
 * Runners are interleaved round by round like section 1.
 */
import { commandPath, firstLine } from './host.js';
import { deleteLeftoversAtCleanup, makeBundle } from './oci-bundle.js';
import { hybridUnifiedMounted, timerWithoutUnifiedCgroup, withoutUnifiedCgroup } from './private-namespace.js';
import type { BenchContext, Runner } from './runners.js';
import { ITERATION, localTimer, type LoopOptions } from './spawn-timer.js';
import { measureStartToExit, type Outcome } from './start-to-exit.js';
import { join } from 'node:path';

const tsNspawnCycle: Runner = {
  name: 'ts-nspawn CLI',
  missing: () => undefined,
  version: (ctx) => firstLine([ctx.cli, '--version']) ?? '?',
  async prepare(ctx) {
    const name = `${ctx.idPrefix}c-${ITERATION}`;
    return {
      timer: localTimer,
      template: [],
      sequence: [
        [ctx.cli, 'create', '-M', name, '-D', ctx.root, '/bin/true'],
        [ctx.cli, 'start', name],
        [ctx.cli, 'rm', '-f', name],
      ],
    };
  },
};

function ociCycle(runtime: 'crun' | 'runc'): Runner {
  const hidesUnified = () => runtime === 'crun' && hybridUnifiedMounted();
  return {
    name: runtime,
    missing: () => (commandPath(runtime) ? undefined : `not installed (apt-get install ${runtime})`),
    version: () => firstLine([runtime, '--version']) ?? '?',
    note: () => (hidesUnified() ? `${runtime} timed inside a private mount namespace without the hybrid unified cgroup, as in section 1` : undefined),
    async prepare(ctx) {
      const bundle = join(ctx.workDir, `${runtime}-cycle-bundle`);
      makeBundle(runtime, bundle, ctx.root);
      deleteLeftoversAtCleanup(runtime, ctx.idPrefix, (argv) => (hidesUnified() ? withoutUnifiedCgroup(argv) : argv));
      const id = `${ctx.idPrefix}${runtime}-c-${ITERATION}`;
      return {
        timer: hidesUnified() ? timerWithoutUnifiedCgroup() : localTimer,
        template: [],
        sequence: [
          [runtime, 'create', '--bundle', bundle, id],
          [runtime, 'start', id],
          [runtime, 'delete', '--force', id],
        ],
      };
    },
  };
}

export const CYCLE_RUNNERS: Runner[] = [tsNspawnCycle, ociCycle('crun'), ociCycle('runc')];

/** The cycle, timed like section 1 (interleaved, order rotated). */
export function measureCycle(ctx: BenchContext, options: LoopOptions): Promise<Outcome[]> {
  return measureStartToExit(ctx, CYCLE_RUNNERS, options);
}
