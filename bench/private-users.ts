/**
 * Private users (`npm run bench:private-users`, as root, under the test
 * lock), a section of its own:
 *   a. start-to-exit of /bin/true on a busybox tree with private users off,
 *      on with an idmapped root (`pick`, `map`), and on with a chowned tree,
 *      interleaved; the overhead against off (target: under 10%);
 *   b. the Debian test tree (a plain copy of the cached one): what giving its
 *      files their owners costs, an idmapped mount at every start against a
 *      one-time chown, each as start-to-exit of /bin/true.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedDebianTree } from '../test/helpers/debian-tree.js';
import { timeOnce } from './spawn-timer.js';
import { ms, summarize } from './stats.js';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const CLI = join(REPO, 'bin/ts-nspawn');
const print = (line = '') => process.stdout.write(`${line}\n`);

type Variant = [label: string, args: string[]];

/** Interleaved runs of each variant (warm-ups first); medians and spreads in ms. */
async function interleaved(root: string, variants: Variant[], iterations: number, warmups: number): Promise<Map<string, number[]>> {
  const samples = new Map(variants.map(([label]) => [label, [] as number[]]));
  for (let i = 0; i < warmups + iterations; i++) {
    for (const [label, args] of variants) {
      const took = await timeOnce([CLI, 'run', '-P', '-D', root, ...args, '/bin/true']);
      if (i >= warmups) samples.get(label)!.push(took);
    }
  }
  return samples;
}

function report(samples: Map<string, number[]>, baseline: string): void {
  const base = summarize(samples.get(baseline)!).median;
  for (const [label, values] of samples) {
    const s = summarize(values);
    const overhead = label === baseline ? '' : `  ${(((s.median - base) / base) * 100).toFixed(1).padStart(5)}% vs ${baseline}`;
    print(`  ${label.padEnd(28)} median ${ms(s.median)}  p10 ${ms(s.p10)}  p90 ${ms(s.p90)}${overhead}`);
  }
}

async function main(): Promise<void> {
  const iterations = Number(process.env.ITERATIONS ?? 30);
  const work = mkdtempSync(join(tmpdir(), 'ts-nspawn-bench-userns-'));
  try {
    print('a. start-to-exit of /bin/true, busybox tree, private users off and on (interleaved)');
    const busybox = join(work, 'busybox');
    execFileSync('sh', [join(REPO, 'scripts/busybox-tree.sh'), busybox]);
    const chowned = join(work, 'busybox-chowned');
    execFileSync('cp', ['-a', busybox, chowned]);
    // The one-time shift happens here, untimed.
    execFileSync(CLI, ['run', '-P', '-D', chowned, '--private-users=pick', '--private-users-ownership=chown', '/bin/true'], { stdio: 'ignore' });
    const a = await interleaved(busybox, [
      ['off', ['--private-users=no']],
      ['pick, idmapped root', ['--private-users=pick', '--private-users-ownership=map']],
    ], iterations, 3);
    const chownedRuns = await interleaved(chowned, [['pick, chowned tree', ['--private-users=pick', '--private-users-ownership=chown']]], iterations, 3);
    for (const [label, values] of chownedRuns) a.set(label, values);
    report(a, 'off');

    print();
    print('b. the Debian test tree: idmapped mount at every start against a one-time chown');
    const debian = join(work, 'debian');
    execFileSync('cp', ['-a', '--reflink=auto', await cachedDebianTree(), debian]);
    const shift = spawnSync(CLI, ['run', '-P', '-D', debian, '--private-users=pick', '--private-users-ownership=chown', '/bin/true'], { encoding: 'utf8' });
    print(`  one-time chown: ${shift.stderr.trim().replace(/^ts-nspawn: /, '') || `failed (${shift.status})`}`);
    const b = await interleaved(debian, [
      ['off', ['--private-users=no']],
      ['pick, chowned tree', ['--private-users=pick', '--private-users-ownership=chown']],
    ], Math.max(5, Math.floor(iterations / 2)), 2);
    const fresh = join(work, 'debian-idmap');
    execFileSync('cp', ['-a', '--reflink=auto', await cachedDebianTree(), fresh]);
    const idmapped = await interleaved(fresh, [['pick, idmapped root', ['--private-users=pick', '--private-users-ownership=map']]], Math.max(5, Math.floor(iterations / 2)), 2);
    for (const [label, values] of idmapped) b.set(label, values);
    report(b, 'off');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
