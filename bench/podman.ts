/**
 * Section 7: `podman run --rm IMAGE true` with ts-runc, crun and runc as
 * podman's OCI runtime: what a user of an engine waits for, the runtime
 * called 3-5 times per container (create, start, delete, and state). podman
 * gets a private configuration in the work dir (storage, run root, file
 * events and locks, no network), and the busybox tree as a local image
 * (test/helpers/image-archive.ts, loaded without a registry). Runners are
 * interleaved round by round like section 1. A runtime that refuses to run
 * here (crun 1.8 on a hybrid cgroup host) is reported with its error.
 */
import { containersConf } from '../test/helpers/podman-config.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeImageArchive } from '../test/helpers/image-archive.js';
import { onCleanup } from './cleanup.js';
import { commandPath, firstLine } from './host.js';
import type { BenchContext, Runner } from './runners.js';
import { timeOnce, type LoopOptions, type Timer } from './spawn-timer.js';
import { measureStartToExit, type Outcome } from './start-to-exit.js';

const IMAGE = 'localhost/ts-nspawn-bench:busybox';

/** podman's storage and configuration under the work dir, made once for all runners. */
interface PodmanSetup {
  globals: string[];
  env: NodeJS.ProcessEnv;
}

let setup: Promise<PodmanSetup> | undefined;

export const podmanMissing = (): string | undefined => (commandPath('podman') ? undefined : 'podman is not installed (apt-get install podman)');

function makeSetup(ctx: BenchContext): Promise<PodmanSetup> {
  setup ??= (async () => {
    const base = join(ctx.workDir, 'podman');
    for (const directory of ['root', 'runroot', 'tmp', 'networks', 'volumes']) mkdirSync(join(base, directory), { recursive: true });
    writeFileSync(join(base, 'containers.conf'), containersConf(base, join(ctx.repo, 'bin/ts-runc')));
    writeFileSync(join(base, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${base}/root"\nrunroot = "${base}/runroot"\n`);
    const env = { ...process.env, CONTAINERS_CONF: join(base, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(base, 'storage.conf') };
    const globals = ['--root', join(base, 'root'), '--runroot', join(base, 'runroot')];
    const hadRuntimeState = existsSync('/run/ts-runc');
    const hadCgroupParent = existsSync('/sys/fs/cgroup/pids/libpod_parent') || existsSync('/sys/fs/cgroup/libpod_parent');
    onCleanup('podman containers and image', () => {
      spawnSync('podman', [...globals, 'rm', '--all', '--force', '--time', '0'], { env, stdio: 'ignore' });
      spawnSync('podman', [...globals, 'rmi', '--all', '--force'], { env, stdio: 'ignore' });
      if (!hadCgroupParent) removeCgroupParent();
      if (!hadRuntimeState && existsSync('/run/ts-runc')) rmdirSync('/run/ts-runc');
    });
    writeImageArchive(ctx.root, IMAGE, join(base, 'image.tar'));
    // containers/image keeps a blob cache in /var/lib/containers for root whatever the storage root: kept off the host.
    const load = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /var/lib && exec "$@"', 'sh', 'podman', ...globals, 'load', '-q', '-i', join(base, 'image.tar')], { env, encoding: 'utf8' });
    if (load.status !== 0) throw new Error(`podman load failed: ${load.stderr.trim()}`);
    return { globals, env };
  })();
  return setup;
}

/** podman's libpod_parent cgroup (with conmon's cgroup in it), made by this run. */
function removeCgroupParent(): void {
  const remove = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) if (entry.isDirectory()) remove(join(directory, entry.name));
    rmdirSync(directory);
  };
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const parent = join('/sys/fs/cgroup', hierarchy, 'libpod_parent');
    if (existsSync(parent)) remove(parent);
  }
  if (existsSync('/sys/fs/cgroup/libpod_parent/cgroup.procs')) remove('/sys/fs/cgroup/libpod_parent');
}

function podmanRunner(name: string, runtime: string, binary: (ctx: BenchContext) => string | undefined): Runner {
  return {
    name,
    missing: (ctx) => podmanMissing() ?? (binary(ctx) ? undefined : `${runtime} is not installed (apt-get install ${runtime})`),
    version: (ctx) => `${firstLine(['podman', '--version']) ?? 'podman ?'}, ${firstLine([binary(ctx) ?? runtime, '--version']) ?? '?'}`,
    async prepare(ctx) {
      const { globals, env } = await makeSetup(ctx);
      const timer: Timer = { time: (argv) => timeOnce(argv, env), close: async () => {} };
      return { timer, template: ['podman', ...globals, '--runtime', runtime, 'run', '--rm', '--network', 'none', IMAGE, 'true'] };
    },
  };
}

export const PODMAN_RUNNERS: Runner[] = [
  podmanRunner('podman + ts-runc', 'ts-runc', (ctx) => join(ctx.repo, 'bin/ts-runc')),
  podmanRunner('podman + crun', 'crun', () => commandPath('crun')),
  podmanRunner('podman + runc', 'runc', () => commandPath('runc')),
];

export function measurePodman(ctx: BenchContext, options: LoopOptions): Promise<Outcome[]> {
  return measureStartToExit(ctx, PODMAN_RUNNERS, options);
}

