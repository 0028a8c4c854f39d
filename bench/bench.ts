/**
 * The ts-nspawn benchmark (`npm run bench -- [--iterations N]`), as root:
 *   1. start-to-exit time of /bin/true under ts-nspawn's CLI and each
 *      installed peer (crun, runc, bwrap, systemd-nspawn), with ratios;
 *   2. peak memory of the CLI and of its executor;
 *   3. sequential containers per second through the CLI and the library.
 * Everything runs on one busybox tree in a temp dir. The bench installs
 * nothing: peers that are not installed are reported and skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanUp, installSignalHandlers, Interrupted, onCleanup, throwIfInterrupted } from './cleanup.js';
import { cgroupLayout, machineDescription, mountsUnder } from './host.js';
import { cliMaxRss, sampleDuringSleep } from './memory.js';
import { parseOptions } from './options.js';
import { RUNNERS, type BenchContext } from './runners.js';
import { CommandFailed, type LoopOptions } from './spawn-timer.js';
import { measureStartToExit } from './start-to-exit.js';
import { kib, ms, perSecond, summarize, type Summary } from './stats.js';
import { cliThroughput, libraryThroughput, type Throughput } from './throughput.js';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** The issue's reference figure for crun's sequential rate. */
const CRUN_REFERENCE_PER_SECOND = 120;

const print = (line = '') => process.stdout.write(`${line}\n`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The temp dir with the busybox tree; removed at the end unless something is still mounted in it. */
function makeWorkDir(): BenchContext {
  const workDir = mkdtempSync(join(tmpdir(), 'ts-nspawn-bench-'));
  onCleanup(workDir, () => {
    const mounted = mountsUnder(workDir);
    if (mounted.length > 0) throw new Error(`left in place, still mounted there: ${mounted.join(' ')}`);
    rmSync(workDir, { recursive: true, force: true });
  });
  // The base name is the machine name ts-nspawn keeps state under: unique, so a test running alongside cannot clash.
  const root = join(workDir, `bench-${process.pid}`);
  const made = spawnSync('sh', [join(REPO, 'scripts/busybox-tree.sh'), root], { encoding: 'utf8' });
  // spawnSync blocks the signal handler, so a Ctrl-C here shows up as the script's signal.
  if (made.signal) throw new Interrupted(made.signal);
  if (made.status !== 0) throw new Error(`scripts/busybox-tree.sh failed: ${made.stderr.trim() || `exit status ${made.status}`}`);
  const ctx = { repo: REPO, cli: join(REPO, 'bin/ts-nspawn'), root, workDir, idPrefix: `tsnb-${process.pid}-` };
  onCleanup('ts-nspawn container state', () => forgetContainer(ctx));
  return ctx;
}

/** A run cut short may leave ts-nspawn's record of the container (state, cgroups): `ts-nspawn rm -f` it. */
function forgetContainer(ctx: BenchContext): void {
  const machine = basename(ctx.root);
  if (spawnSync(ctx.cli, ['status', machine], { stdio: 'ignore' }).status !== 0) return;
  const removed = spawnSync(ctx.cli, ['rm', '-f', machine], { encoding: 'utf8' });
  if (removed.status !== 0) throw new Error(removed.stderr.trim());
}

/** Runs a measurement; a failed command becomes its one-line reason (a signal still stops the bench). */
async function attempt<T>(measure: () => Promise<T>): Promise<T | { failed: string }> {
  try {
    return await measure();
  } catch (error) {
    throwIfInterrupted();
    if (error instanceof Interrupted) throw error;
    return { failed: error instanceof CommandFailed ? error.reason : (error as Error).message };
  }
}

const failed = (x: unknown): x is { failed: string } => typeof x === 'object' && x !== null && 'failed' in x;

function printHeader(ctx: BenchContext, options: LoopOptions): void {
  print('ts-nspawn benchmark');
  print(`  machine:    ${machineDescription()}`);
  print(`  cgroups:    ${cgroupLayout()}`);
  RUNNERS.forEach((runner, i) => {
    const why = runner.missing(ctx);
    print(`  ${i === 0 ? 'runners:   ' : '           '} ${runner.name.padEnd(15)} ${why ?? runner.version(ctx)}`);
  });
  print(`  iterations: ${options.iterations} timed runs after ${plural(options.warmups, 'warm-up')}, per measurement, one container at a time`);
  print(`  tree:       busybox-static tree at ${ctx.root}`);
  print('  targets:    CLI start-to-exit at or below runc\'s, on the way to crun\'s;');
  print(`              warm library above crun's ~${CRUN_REFERENCE_PER_SECOND} containers/s`);
  print();
}

/** Section 1; returns each measured runner's summary by name. */
async function startToExit(ctx: BenchContext, options: LoopOptions): Promise<Map<string, Summary>> {
  print('1. Start-to-exit of /bin/true (ms; wall time from child_process.spawn() to the exit event, process.hrtime.bigint)');
  const outcomes = await measureStartToExit(ctx, RUNNERS, options);
  print(`   ${'runner'.padEnd(16)} ${'median'.padStart(8)} ${'p10'.padStart(8)} ${'p90'.padStart(8)}   peer/ts-nspawn (median)`);
  const results = new Map<string, Summary>();
  const notes: string[] = [];
  for (const { runner, skipped, samples } of outcomes) {
    const label = `   ${runner.name.padEnd(16)}`;
    if (skipped !== undefined) {
      print(`${label} ${skipped}`);
      continue;
    }
    const summary = summarize(samples);
    results.set(runner.name, summary);
    const base = results.get(RUNNERS[0]?.name ?? '');
    const ratio = base ? (summary.median / base.median).toFixed(2) : 'n/a';
    print(`${label} ${ms(summary.median).padStart(8)} ${ms(summary.p10).padStart(8)} ${ms(summary.p90).padStart(8)}   ${ratio.padStart(6)}`);
    const note = runner.note?.();
    if (note) notes.push(`${runner.name}: ${note}`);
  }
  print('   (peer/ts-nspawn > 1 means ts-nspawn is faster; runners interleaved round by round, order rotated, so host load hits all alike)');
  for (const note of notes) print(`   * ${note}`);
  print();
  return results;
}

/** Section 2; returns false when a ts-nspawn measurement failed. */
async function peakMemory(ctx: BenchContext): Promise<boolean> {
  print('2. Peak memory of ts-nspawn\'s processes');
  let ok = true;
  const gnuTime = await attempt(async () => cliMaxRss(ctx));
  if (failed(gnuTime)) {
    ok = false;
    print(`   CLI max RSS (GNU time):        failed: ${gnuTime.failed}`);
  } else if (gnuTime === undefined) {
    print('   CLI max RSS (GNU time):        /usr/bin/time not installed (apt-get install time); sampled figure below');
  } else {
    print(`   CLI max RSS, /bin/true:        ${kib(gnuTime)}  (GNU time %M: the CLI process, or a child it waited for if larger)`);
  }
  const sampled = await attempt(() => sampleDuringSleep(ctx));
  if (failed(sampled)) {
    ok = false;
    print(`   sampling during sleep 1:       failed: ${sampled.failed}`);
  } else {
    const show = (value: number | undefined) => (value === undefined ? 'not seen' : kib(value));
    print(`   CLI VmHWM, sleep 1:            ${show(sampled.cliHwm)}  (/proc/PID/status sampled every 5 ms)`);
    print(`   executor VmHWM / VmRSS:        ${show(sampled.executorHwm)} / ${show(sampled.executorRss)}  (the CLI's child running ts-nspawn-executor, same sampling)`);
    if (sampled.executorHwm === undefined) ok = false;
  }
  print();
  return ok;
}

function rateLine(label: string, result: Throughput): string {
  const median = summarize(result.samples).median;
  return `   ${label.padEnd(30)} ${perSecond(result.count, result.totalMs).padStart(7)} containers/s  (${result.count} in ${(result.totalMs / 1000).toFixed(2)} s; median ${ms(median)} ms each)`;
}

/** Section 3 and the targets; returns false when a ts-nspawn measurement failed. */
async function sequential(ctx: BenchContext, options: LoopOptions, startTimes: Map<string, Summary>): Promise<boolean> {
  print(`3. Sequential containers per second (/bin/true, ${options.iterations} back to back after ${plural(options.warmups, 'warm-up')})`);
  const cli = await attempt(() => cliThroughput(ctx, options));
  print(failed(cli) ? `   ts-nspawn CLI: failed: ${cli.failed}` : rateLine('ts-nspawn CLI (a process each)', cli));
  const library = await attempt(() => libraryThroughput(ctx, options));
  print(failed(library) ? `   ts-nspawn library: failed: ${library.failed}` : rateLine('ts-nspawn library (warm Node)', library));
  const peers = [...startTimes].filter(([name]) => name !== RUNNERS[0]?.name);
  if (peers.length > 0) {
    const rates = peers.map(([name, s]) => `${name} ${perSecond(s.count, s.total)}/s`).join(', ');
    print(`   peers, from section 1 (runs / sum of their times): ${rates}`);
  }
  print();

  print('Targets');
  const ours = startTimes.get(RUNNERS[0]?.name ?? '');
  const runc = startTimes.get('runc');
  const crun = startTimes.get('crun');
  if (ours && runc) {
    const verdict = ours.median <= runc.median ? 'met' : 'not met';
    print(`   CLI median ${ms(ours.median)} ms vs runc ${ms(runc.median)} ms: ${verdict}`);
  } else {
    print('   CLI vs runc: not measured');
  }
  if (ours && crun) print(`   CLI median vs crun ${ms(crun.median)} ms: ts-nspawn takes ${(ours.median / crun.median).toFixed(2)}x crun's time`);
  if (!failed(library)) {
    const rate = library.count / (library.totalMs / 1000);
    const crunRate = crun ? crun.count / (crun.total / 1000) : undefined;
    const versus = crunRate === undefined ? '' : `; crun measured here ${crunRate.toFixed(1)}/s: ${rate > crunRate ? 'above' : 'not above'}`;
    print(`   library ${rate.toFixed(1)}/s vs the issue's ~${CRUN_REFERENCE_PER_SECOND}/s: ${rate > CRUN_REFERENCE_PER_SECOND ? 'met' : 'not met'}${versus}`);
  }
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  print(`   (load average ${load} at the end: other work on the host slows every runner)`);
  return !failed(cli) && !failed(library);
}

async function bench(options: LoopOptions): Promise<number> {
  const ctx = makeWorkDir();
  printHeader(ctx, options);
  const startTimes = await startToExit(ctx, options);
  throwIfInterrupted();
  const memoryOk = await peakMemory(ctx);
  throwIfInterrupted();
  const sequentialOk = await sequential(ctx, options, startTimes);
  return startTimes.has(RUNNERS[0]?.name ?? '') && memoryOk && sequentialOk ? 0 : 1;
}

async function main(): Promise<number> {
  const options = parseOptions();
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: containers need root: run it as root\n');
    return 1;
  }
  installSignalHandlers();
  try {
    return await bench(options);
  } catch (error) {
    if (error instanceof Interrupted) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 130;
    }
    process.stderr.write(`bench: ${(error as Error).stack ?? error}\n`);
    return 1;
  } finally {
    await cleanUp();
  }
}

process.exit(await main());
