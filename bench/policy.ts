/**
 * Section 1b: what the seccomp filter and the device policy cost a start.
 * Cold processes alike, interleaved like section 1:
 *   - the CLI with its defaults, and with --seccomp=unconfined;
 *   - a small library program (policy-child.ts, bundled for Bun here, with
 *     bytecode) with the defaults, and with neither the filter nor the
 *     device rules (the CLI has no flag that drops the device policy).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bunPath, tsNspawnRun, type BenchContext, type Runner } from './runners.js';
import { localTimer, type LoopOptions } from './spawn-timer.js';
import { measureStartToExit, type Outcome } from './start-to-exit.js';

function cli(name: string, flags: string[]): Runner {
  return {
    name,
    missing: () => undefined,
    version: () => '',
    prepare: async (ctx) => ({ timer: localTimer, template: tsNspawnRun(ctx, [...flags, '/bin/true']) }),
  };
}

/** The library program, bundled once per bench run into the work directory. */
function library(name: string, mode: 'on' | 'off'): Runner {
  return {
    name,
    missing: (ctx) => (bunPath(ctx.repo) ? undefined : 'no Bun (npm run build records it in build/bun-path)'),
    version: () => '',
    async prepare(ctx) {
      const bun = bunPath(ctx.repo)!;
      const out = join(ctx.workDir, 'policy-child');
      const bundle = join(out, 'policy-child.js');
      if (!existsSync(bundle)) {
        const built = spawnSync(bun, ['build', join(ctx.repo, 'bench/policy-child.ts'), '--target=bun', '--format=cjs', '--bytecode', `--outdir=${out}`], {
          encoding: 'utf8',
        });
        if (built.status !== 0) throw new Error(`bun build bench/policy-child.ts failed: ${built.stderr.trim()}`);
      }
      return { timer: localTimer, template: [bun, bundle, mode, ctx.root] };
    },
  };
}

export const POLICY_RUNNERS: Runner[] = [
  cli('CLI defaults', []),
  cli('CLI unconfined', ['--seccomp=unconfined']),
  library('lib defaults', 'on'),
  library('lib no sec/dev', 'off'),
];

export function measurePolicy(ctx: BenchContext, options: LoopOptions): Promise<Outcome[]> {
  return measureStartToExit(ctx, POLICY_RUNNERS, options);
}
