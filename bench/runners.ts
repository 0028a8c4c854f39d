/**
 * The runners compared in section 1: ts-nspawn's CLI and the peers that
 * happen to be installed. Each times `/bin/true` on the same busybox tree.
 */
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';
import { commandPath, firstLine } from './host.js';
import { deleteLeftoversAtCleanup, makeBundle } from './oci-bundle.js';
import { hybridUnifiedMounted, timerWithoutUnifiedCgroup, withoutUnifiedCgroup } from './private-namespace.js';
import { ITERATION, localTimer, type Timer } from './spawn-timer.js';

export interface BenchContext {
  /** The repository (package root). */
  repo: string;
  /** bin/ts-nspawn, the launcher users run. */
  cli: string;
  /** The busybox tree every runner uses as its root. */
  root: string;
  /** Temporary directory for bundles and scratch files; removed at the end. */
  workDir: string;
  /** Prefix of every container ID the bench makes, so clean-up touches only ours. */
  idPrefix: string;
}

export interface Runner {
  name: string;
  /** Why it cannot be measured here, or undefined when it can. */
  missing(ctx: BenchContext): string | undefined;
  version(ctx: BenchContext): string;
  /** How its timing differs from the plain loop, printed under the table. */
  note?(): string | undefined;
  /** Makes what it needs (bundles); returns the timer to use and the argv of one /bin/true run. */
  prepare(ctx: BenchContext): Promise<Prepared>;
}

export interface Prepared {
  timer: Timer;
  /** argv of one run; ITERATION in it stands for the iteration number. */
  template: string[];
  /** Instead of `template`: several commands timed one after the other as one sample. */
  sequence?: string[][];
}

/** argv of the ts-nspawn CLI running COMMAND without a console. */
export function tsNspawnRun(ctx: BenchContext, command: string[]): string[] {
  return [ctx.cli, 'run', '-P', '-D', ctx.root, ...command];
}

/** The Bun scripts/find-bun.sh recorded, if it is still there. */
export function bunPath(repo: string): string | undefined {
  try {
    const path = readFileSync(join(repo, 'build/bun-path'), 'utf8').trim();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const tsNspawn: Runner = {
  name: 'ts-nspawn CLI',
  missing: (ctx) =>
    existsSync(join(ctx.repo, 'build/ts-nspawn-executor')) && firstLine([ctx.cli, '--version'])
      ? undefined
      : 'not built (npm run build)',
  version(ctx) {
    const own = firstLine([ctx.cli, '--version']) ?? '?';
    // The same choice bin/ts-nspawn makes: the compiled CLI (build/cli), else Node.js.
    const bun = bunPath(ctx.repo);
    const compiled = bun && existsSync(join(ctx.repo, 'build/cli/ts-nspawn'));
    const engine = compiled ? `Bun ${firstLine([bun, '--version']) ?? '?'} (compiled)` : `Node.js ${process.version} (not compiled)`;
    return `${own}, CLI on ${engine}`;
  },
  prepare: async (ctx) => ({ timer: localTimer, template: tsNspawnRun(ctx, ['/bin/true']) }),
};

function peerMissing(binary: string, aptPackage: string): string | undefined {
  return commandPath(binary) ? undefined : `not installed (apt-get install ${aptPackage})`;
}

/** crun or runc: `RUNTIME run --bundle B ID` with a fresh ID each run. */
function ociRuntime(runtime: 'crun' | 'runc'): Runner {
  // Only crun needs the private mount namespace (see private-namespace.ts).
  const hidesUnified = () => runtime === 'crun' && hybridUnifiedMounted();
  const wrap = (argv: string[]) => (hidesUnified() ? withoutUnifiedCgroup(argv) : argv);
  return {
    name: runtime,
    missing: () => peerMissing(runtime, runtime),
    version: () => firstLine([runtime, '--version']) ?? '?',
    note: () =>
      hidesUnified()
        ? `${runtime} refuses hybrid cgroups, so its runs were spawned and timed by a Node helper started once inside ` +
          '`unshare -m --propagation private` with /sys/fs/cgroup/unified unmounted: the same timer, ' +
          'and neither unshare nor the helper\'s start-up is in any sample'
        : undefined,
    async prepare(ctx) {
      const bundle = join(ctx.workDir, `${runtime}-bundle`);
      makeBundle(runtime, bundle, ctx.root);
      deleteLeftoversAtCleanup(runtime, ctx.idPrefix, wrap);
      return {
        timer: hidesUnified() ? timerWithoutUnifiedCgroup() : localTimer,
        template: [runtime, 'run', '--bundle', bundle, `${ctx.idPrefix}${runtime}-${ITERATION}`],
      };
    },
  };
}

const bwrap: Runner = {
  name: 'bwrap',
  missing: () => peerMissing('bwrap', 'bubblewrap'),
  version: () => firstLine(['bwrap', '--version']) ?? '?',
  prepare: async (ctx) => ({
    timer: localTimer,
    template: ['bwrap', '--bind', ctx.root, '/', '--proc', '/proc', '--dev', '/dev', '--unshare-all', '--die-with-parent', '/bin/true'],
  }),
};

const NSPAWN_STATE = '/run/systemd/nspawn';

/** systemd-nspawn leaves its state directory behind (on a disk-backed /run here): remove it if it was not there before and is empty. */
export function removeNspawnStateAtCleanup(): void {
  if (existsSync(NSPAWN_STATE)) return;
  onCleanup(NSPAWN_STATE, () => {
    if (!existsSync(NSPAWN_STATE)) return;
    for (const entry of readdirSync(NSPAWN_STATE)) {
      try {
        rmdirSync(join(NSPAWN_STATE, entry)); // empty directories only
      } catch {
        return; // something is in use: leave it all
      }
    }
    rmdirSync(NSPAWN_STATE);
  });
}

const systemdNspawn: Runner = {
  name: 'systemd-nspawn',
  missing: () => peerMissing('systemd-nspawn', 'systemd-container'),
  version: () => firstLine(['systemd-nspawn', '--version']) ?? '?',
  note: () => (readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' ? undefined : 'PID 1 here is not systemd, hence --register=no --keep-unit'),
  async prepare(ctx) {
    removeNspawnStateAtCleanup();
    return { timer: localTimer, template: ['systemd-nspawn', '-q', '-D', ctx.root, '--register=no', '--keep-unit', '/bin/true'] };
  },
};

export const RUNNERS: Runner[] = [tsNspawn, ociRuntime('crun'), ociRuntime('runc'), bwrap, systemdNspawn];
