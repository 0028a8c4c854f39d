/**
 * Rootless (`npm run bench:rootless`, as root, under the test lock), a
 * section of its own: start-to-exit of /bin/true in a busybox tree, run by
 * an ordinary user the bench creates (and removes, /etc/subuid and
 * /etc/subgid restored): ts-nspawn against `bwrap --unshare-user` and
 * rootless podman, interleaved. Each is started through runuser, whose own
 * cost is the first row. Peers that are not installed (or cannot run
 * rootless here) are reported and skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBusyboxRoot } from '../test/helpers/rootfs.js';
import { makeRootlessUser, type RootlessUser } from '../test/helpers/rootless-user.js';
import { timeOnce } from './spawn-timer.js';
import { ms, summarize } from './stats.js';

const print = (line = '') => process.stdout.write(`${line}\n`);

type Variant = [label: string, argv: string[]];

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** ARGV run as USER, with only the environment it needs. */
function asUser(user: RootlessUser, argv: string[]): string[] {
  return ['runuser', '-u', user.name, '--', 'env', '-i', `HOME=${user.homeDir}`, `XDG_RUNTIME_DIR=${user.runtimeDir}`, 'PATH=/usr/bin:/bin', ...argv];
}

/** The first podman form that runs here: crun refuses hybrid cgroups, runc runs with cgroupfs and no cgroups of its own. */
function podmanVariant(user: RootlessUser, tree: string): Variant | string {
  if (!has('podman')) return 'podman is not installed (apt-get install podman)';
  const forms: Variant[] = [
    ['podman (rootless)', ['podman', 'run', '--rm', '--network=none', '--rootfs', tree, '/bin/true']],
    ['podman (rootless, runc)', ['podman', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', 'run', '--rm', '--network=none', '--rootfs', tree, '/bin/true']],
  ];
  let why = '';
  for (const [label, argv] of forms) {
    const probe = spawnSync(asUser(user, argv)[0]!, asUser(user, argv).slice(1), { encoding: 'utf8' });
    if (probe.status === 0) return [label, asUser(user, argv)];
    why = probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`;
  }
  return `podman cannot run rootless here: ${why}`;
}

/** Ends podman's rootless pause process (it holds the user namespace between runs), by its recorded PID. */
function endPodmanPause(user: RootlessUser): void {
  const pidFile = join(user.runtimeDir, 'libpod/tmp/pause.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 1) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

async function main(): Promise<void> {
  const iterations = Number(process.env.ITERATIONS ?? 30);
  const warmups = 3;
  const user = makeRootlessUser();
  const tree = makeBusyboxRoot();
  try {
    execFileSync('chmod', ['755', tree.base]);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
    print(`Rootless: start-to-exit of /bin/true in a busybox tree as the user ${user.name} (its range in /etc/subuid), ${iterations} runs each after ${warmups} warm-ups, interleaved`);
    const variants: Variant[] = [
      ['runuser alone (in every row)', asUser(user, ['/bin/true'])],
      ['ts-nspawn run', asUser(user, [user.cli, 'run', '-P', '-D', tree.root, '/bin/true'])],
    ];
    const skipped: string[] = [];
    if (has('bwrap')) {
      variants.push(['bwrap --unshare-user', asUser(user, ['bwrap', '--unshare-all', '--unshare-user', '--bind', tree.root, '/', '--proc', '/proc', '--dev', '/dev', '/bin/true'])]);
    } else {
      skipped.push('bwrap is not installed (apt-get install bubblewrap)');
    }
    const podman = podmanVariant(user, tree.root);
    if (typeof podman === 'string') skipped.push(podman);
    else variants.push(podman);

    const samples = new Map(variants.map(([label]) => [label, [] as number[]]));
    for (let i = 0; i < warmups + iterations; i++) {
      for (const [label, argv] of variants) {
        const took = await timeOnce(argv);
        if (i >= warmups) samples.get(label)!.push(took);
      }
    }
    const base = summarize(samples.get('runuser alone (in every row)')!).median;
    for (const [label, values] of samples) {
      const s = summarize(values);
      print(`  ${label.padEnd(30)} median ${ms(s.median)}  p10 ${ms(s.p10)}  p90 ${ms(s.p90)}  without runuser ${ms(s.median - base)}`);
    }
    for (const why of skipped) print(`  skipped: ${why}`);
  } finally {
    endPodmanPause(user);
    tree.remove();
    user.remove();
  }
}

await main();
