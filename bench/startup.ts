/**
 * Section 7: start-up of the commands engines call most, where no container
 * starts: `--version` and `state ID` of a created container. An engine calls
 * the runtime 3-5 times per container, so each call's start-up counts.
 * ts-runc and ts-nspawn run through their launchers (bin/: sh, then the
 * compiled build/cli/ts-nspawn) and as standalone executables (dist/standalone, built
 * here by scripts/build-standalone.sh if it is not current), against runc
 * and crun. Runners are interleaved round by round like section 1.
 */
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';
import { commandPath, firstLine } from './host.js';
import { deleteLeftoversAtCleanup, makeBundle } from './oci-bundle.js';
import { hybridUnifiedMounted, withoutUnifiedCgroup } from './private-namespace.js';
import type { BenchContext, Runner } from './runners.js';
import { localTimer, type LoopOptions } from './spawn-timer.js';
import { measureStartToExit, type Outcome } from './start-to-exit.js';

type Program = 'ts-runc' | 'ts-nspawn';

const launcher = (ctx: BenchContext, program: Program) => join(ctx.repo, 'bin', program);
const standalone = (ctx: BenchContext, program: Program) => join(ctx.repo, 'dist/standalone/bin', program);

/** Why the standalone executables are not there to measure, or undefined once they are built and current. */
let standaloneProblem: string | undefined = 'not built yet';

function buildStandalone(ctx: BenchContext): void {
  const built = spawnSync('sh', [join(ctx.repo, 'scripts/build-standalone.sh')], { encoding: 'utf8' });
  standaloneProblem = built.status === 0 ? undefined : `not built: ${built.stderr.trim().split('\n').at(-1) ?? `exit status ${built.status}`}`;
}

const mib = (path: string) => `${(statSync(path).size / 1024 / 1024).toFixed(0)} MiB`;

function tsRunner(program: Program, kind: 'launcher' | 'standalone', args: (ctx: BenchContext, binary: string) => Promise<string[]>): Runner {
  const binary = (ctx: BenchContext) => (kind === 'launcher' ? launcher(ctx, program) : standalone(ctx, program));
  return {
    name: `${program} ${kind === 'launcher' ? 'bin/' : 'standalone'}`,
    missing: (ctx) => (kind === 'standalone' ? standaloneProblem : firstLine([binary(ctx), '--version']) ? undefined : 'not built (npm run build)'),
    version: (ctx) =>
      `${firstLine([binary(ctx), '--version']) ?? '?'}, ${kind === 'launcher' ? 'sh + build/cli (compiled with Bun)' : `one ${mib(binary(ctx))} executable`}`,
    prepare: async (ctx) => ({ timer: localTimer, template: await args(ctx, binary(ctx)) }),
  };
}

function peerRunner(runtime: 'runc' | 'crun', args: (ctx: BenchContext) => Promise<string[]>): Runner {
  return {
    name: runtime,
    missing: () => (commandPath(runtime) ? undefined : `not installed (apt-get install ${runtime})`),
    version: () => firstLine([runtime, '--version']) ?? '?',
    prepare: async (ctx) => ({ timer: localTimer, template: await args(ctx) }),
  };
}

/**
 * A container created (held before /bin/true) by runtime `binary` with its
 * own state root, deleted at clean-up; returns the arguments that name it.
 * crun creates and deletes in section 1's private mount namespace on a
 * hybrid host; its `state` needs no cgroup and runs here.
 */
async function createdContainer(ctx: BenchContext, binary: string, label: string): Promise<string[]> {
  const wrap = (argv: string[]) => (label === 'crun' && hybridUnifiedMounted() ? withoutUnifiedCgroup(argv) : argv);
  const id = `${ctx.idPrefix}startup-${label}`;
  const bundle = join(ctx.workDir, `startup-${label}-bundle`);
  makeBundle(binary, bundle, ctx.root);
  // runc and crun keep their own roots; ts-runc's is a fresh one per runner.
  const root = label.startsWith('ts-runc') ? ['--root', join(ctx.workDir, `startup-${label}-state`)] : [];
  const runtime = (args: string[]) => {
    const [file, ...rest] = wrap([binary, ...root, ...args]);
    // The created process keeps the runtime's stdio: a file, not a pipe that would never close.
    const errFile = join(ctx.workDir, `startup-${label}.err`);
    const err = openSync(errFile, 'w');
    try {
      const result = spawnSync(file ?? binary, rest, { stdio: ['ignore', 'ignore', err], timeout: 30_000 });
      if (result.status !== 0) throw new Error(`${label} ${args[0]}: ${readFileSync(errFile, 'utf8').trim().split('\n').at(-1) ?? `exit status ${result.status}`}`);
    } finally {
      closeSync(err);
    }
  };
  if (label.startsWith('ts-runc')) onCleanup(`${label} container ${id}`, () => runtime(['delete', '--force', id]));
  else deleteLeftoversAtCleanup(binary, ctx.idPrefix, wrap);
  runtime(['create', '--bundle', bundle, id]);
  return [...root, 'state', id];
}

const version = async (_: BenchContext, binary: string) => [binary, '--version'];

/** The standalone executable comes first: the ratios are each runner's time over its. */
export const VERSION_RUNNERS: Runner[] = [
  tsRunner('ts-runc', 'standalone', version),
  tsRunner('ts-runc', 'launcher', version),
  tsRunner('ts-nspawn', 'standalone', version),
  tsRunner('ts-nspawn', 'launcher', version),
  peerRunner('runc', async () => ['runc', '--version']),
  peerRunner('crun', async () => ['crun', '--version']),
];

const state = (kind: string) => async (ctx: BenchContext, binary: string) => [binary, ...(await createdContainer(ctx, binary, `ts-runc-${kind}`))];

export const STATE_RUNNERS: Runner[] = [
  tsRunner('ts-runc', 'standalone', state('standalone')),
  tsRunner('ts-runc', 'launcher', state('launcher')),
  peerRunner('runc', async (ctx) => ['runc', ...(await createdContainer(ctx, 'runc', 'runc'))]),
  peerRunner('crun', async (ctx) => ['crun', ...(await createdContainer(ctx, 'crun', 'crun'))]),
];

/** Both tables, after building the standalone executables if they are not current. */
export async function measureStartup(ctx: BenchContext, options: LoopOptions): Promise<{ version: Outcome[]; state: Outcome[] }> {
  buildStandalone(ctx);
  return {
    version: await measureStartToExit(ctx, VERSION_RUNNERS, options),
    state: await measureStartToExit(ctx, STATE_RUNNERS, options),
  };
}
