/**
 * The ts-nspawn benchmark (`npm run bench -- [OPTIONS]`, see options.ts), as root:
 *   1. start-to-exit time of /bin/true under ts-nspawn's CLI and each
 *      installed peer (crun, runc, bwrap, systemd-nspawn), with ratios;
 *      1b. the same with the seccomp filter and the device policy off;
 *   2. peak memory of the CLI and of its executor;
 *   3. sequential containers per second through the CLI and the library;
 *   4. booting a Debian tree with systemd: to running, to the login
 *      prompt, and from poweroff to exit, against systemd-nspawn (boot.ts);
 *   5. detached containers: what stays in memory per container, exec
 *      round trips, list with many containers (lifecycle.ts);
 *   6. the create -> start -> delete cycle engines take, against crun and
 *      runc (cycle.ts);
 *   7. `podman run --rm IMAGE true` with ts-runc, crun and runc as podman's
 *      runtime (podman.ts), when podman is installed;
 *   8. start-up of --version and state, the launchers against the
 *      standalone executables, runc and crun (startup.ts).
 * Sections 1-3 and 5 run on one busybox tree in a temp dir; section 4 on
 * overlay copies of a cached Debian tree. The bench installs nothing:
 * peers that are not installed are reported and skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ISSUE_REFERENCE, measureBoot, median, spread, type BootMeasure, type BootOutcome } from './boot.js';
import { cleanUp, installSignalHandlers, Interrupted, onCleanup, throwIfInterrupted } from './cleanup.js';
import { cgroupLayout, machineDescription, mountsUnder } from './host.js';
import { measureCycle } from './cycle.js';
import { measurePodman, podmanMissing } from './podman.js';
import { execRoundTrip, listWithMany, residentMemory, type ListReport } from './lifecycle.js';
import { cliMaxRss, sampleDuringSleep } from './memory.js';
import { parseOptions, SECTIONS, type BenchOptions } from './options.js';
import { RUNNERS, type BenchContext } from './runners.js';
import { CommandFailed, type LoopOptions } from './spawn-timer.js';
import { measureStartToExit, type Outcome } from './start-to-exit.js';
import { measurePolicy } from './policy.js';
import { measureStartup, STATE_RUNNERS, VERSION_RUNNERS } from './startup.js';
import { kib, ms, perSecond, summarize, type Summary } from './stats.js';
import { cliThroughput, libraryThroughput, type Throughput } from './throughput.js';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** The issue's reference figure for crun's sequential rate. */
const CRUN_REFERENCE_PER_SECOND = 120;
/** The issue's target for what stays in memory per detached container (KiB). */
const MONITOR_TARGET_KIB = 2048;

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

function printHeader(ctx: BenchContext, options: BenchOptions): void {
  print('ts-nspawn benchmark');
  print(`  machine:    ${machineDescription()}`);
  print(`  cgroups:    ${cgroupLayout()}`);
  RUNNERS.forEach((runner, i) => {
    const why = runner.missing(ctx);
    print(`  ${i === 0 ? 'runners:   ' : '           '} ${runner.name.padEnd(15)} ${why ?? runner.version(ctx)}`);
  });
  print(`  iterations: ${options.iterations} timed runs after ${plural(options.warmups, 'warm-up')}, per short measurement, one container at a time`);
  print(`  tree:       busybox-static tree at ${ctx.root}`);
  const skipped = SECTIONS.filter((section) => options.skip.has(section));
  print(`  sections:   ${skipped.length === 0 ? 'all' : `all but ${skipped.join(', ')} (--skip)`}`);
  print('  targets:    CLI start-to-exit at or below runc\'s, on the way to crun\'s;');
  print(`              warm library above crun's ~${CRUN_REFERENCE_PER_SECOND} containers/s;`);
  print('              OS boot faster than systemd-nspawn to running, to the login prompt, and from poweroff to exit;');
  print(`              at most ${kib(MONITOR_TARGET_KIB)} resident per detached container`);
  print();
}

/** A table of interleaved measurements (sections 1 and 5b): median, p10, p90 and each one's ratio to the first. */
function printOutcomes(outcomes: Outcome[], ratioLabel: string, indent = '   ', meaning = 'ts-nspawn is faster'): Map<string, Summary> {
  const width = Math.max(16, ...outcomes.map((outcome) => outcome.runner.name.length));
  print(`${indent}${'runner'.padEnd(width)} ${'median'.padStart(8)} ${'p10'.padStart(8)} ${'p90'.padStart(8)}   ${ratioLabel} (median)`);
  const results = new Map<string, Summary>();
  const base = outcomes[0]?.runner.name ?? '';
  const notes: string[] = [];
  for (const { runner, skipped, samples } of outcomes) {
    const label = `${indent}${runner.name.padEnd(width)}`;
    if (skipped !== undefined) {
      print(`${label} ${skipped}`);
      continue;
    }
    const summary = summarize(samples);
    results.set(runner.name, summary);
    const first = results.get(base);
    const ratio = first ? (summary.median / first.median).toFixed(2) : 'n/a';
    print(`${label} ${ms(summary.median).padStart(8)} ${ms(summary.p10).padStart(8)} ${ms(summary.p90).padStart(8)}   ${ratio.padStart(6)}`);
    const note = runner.note?.();
    if (note) notes.push(`${runner.name}: ${note}`);
  }
  print(`${indent}(${ratioLabel} > 1 means ${meaning}; runners interleaved round by round, order rotated, so host load hits all alike)`);
  for (const note of notes) print(`${indent}* ${note}`);
  return results;
}

/** Section 1; returns each measured runner's summary by name. */
async function startToExit(ctx: BenchContext, options: LoopOptions): Promise<Map<string, Summary>> {
  print('1. Start-to-exit of /bin/true (ms; wall time from child_process.spawn() to the exit event, process.hrtime.bigint)');
  const results = printOutcomes(await measureStartToExit(ctx, RUNNERS, options), 'peer/ts-nspawn');
  print();
  return results;
}

/** Section 1b; adds the overhead to `targets`; returns false when a measurement failed. */
async function policyOverhead(ctx: BenchContext, options: LoopOptions, targets: string[]): Promise<boolean> {
  print('1b. The seccomp filter and the device policy, on and off (ms, /bin/true, cold processes, interleaved like section 1)');
  const results = printOutcomes(await measurePolicy(ctx, options), 'other/first', '   ', 'the first is faster');
  print('   * library: a small program on Bun (bench/policy-child.ts, bundled with bytecode) running the spec');
  print('     buildSpec makes, or that spec without linux.seccomp and linux.resources.devices; the CLI has no flag for the latter');
  print();
  const overhead = (on: string, off: string) => {
    const a = results.get(on);
    const b = results.get(off);
    return a && b ? `${(((a.median - b.median) / b.median) * 100).toFixed(1)}% (${ms(a.median)} vs ${ms(b.median)} ms)` : 'not measured';
  };
  targets.push(`policy overhead (target < 5%): seccomp filter, CLI ${overhead('CLI defaults', 'CLI unconfined')}; ` +
    `filter + device policy, library ${overhead('lib defaults', 'lib no sec/dev')}`);
  return results.size === 4;
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

/** Section 3; adds its targets (and section 1's) to `targets`; returns false when a ts-nspawn measurement failed. */
async function sequential(ctx: BenchContext, options: LoopOptions, startTimes: Map<string, Summary>, targets: string[]): Promise<boolean> {
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

  const crun = startTimes.get('crun');
  if (!failed(library)) {
    const rate = library.count / (library.totalMs / 1000);
    const crunRate = crun ? crun.count / (crun.total / 1000) : undefined;
    const versus = crunRate === undefined ? '' : `; crun measured here ${crunRate.toFixed(1)}/s: ${rate > crunRate ? 'above' : 'not above'}`;
    targets.push(`library ${rate.toFixed(1)}/s vs the issue's ~${CRUN_REFERENCE_PER_SECOND}/s: ${rate > CRUN_REFERENCE_PER_SECOND ? 'met' : 'not met'}${versus}`);
  }
  return !failed(cli) && !failed(library);
}

/** Section 1's targets. */
function startTargets(startTimes: Map<string, Summary>, targets: string[]): void {
  const ours = startTimes.get(RUNNERS[0]?.name ?? '');
  const runc = startTimes.get('runc');
  const crun = startTimes.get('crun');
  if (ours && runc) {
    const verdict = ours.median <= runc.median ? 'met' : 'not met';
    targets.push(`CLI median ${ms(ours.median)} ms vs runc ${ms(runc.median)} ms: ${verdict}`);
  } else {
    targets.push('CLI vs runc: not measured');
  }
  if (ours && crun) targets.push(`CLI median vs crun ${ms(crun.median)} ms: ts-nspawn takes ${(ours.median / crun.median).toFixed(2)}x crun's time`);
}

const BOOT_ROWS: Array<[BootMeasure, string]> = [
  ['running', 'start -> system running'],
  ['prompt', 'start -> login prompt'],
  ['exitAfterPoweroff', 'poweroff -> runtime exit'],
];

/** Section 4; returns false when ts-nspawn's boots failed. */
async function osBoot(ctx: BenchContext, options: BenchOptions, targets: string[]): Promise<boolean> {
  print(`4. OS boot of a Debian tree with systemd, ${plural(options.boots, 'boot')} per runtime after ${plural(options.bootWarmups, 'warm-up')}, interleaved, order rotated each round (--boots N, --skip boot)`);
  const report = await measureBoot(ctx, options.boots, options.bootWarmups, print);
  if (report.unavailable) {
    print(`   not measured: ${report.unavailable}`);
    print();
    targets.push(`OS boot: not measured (${report.unavailable})`);
    return false;
  }
  const [ours, nspawn] = report.outcomes as [BootOutcome, BootOutcome];
  const width = 26;
  const cell = (outcome: BootOutcome, f: () => string) => (outcome.skipped !== undefined ? 'n/a' : f()).padEnd(width);
  print(`   ${'seconds: median (min-max)'.padEnd(28)} ${ours.name.padEnd(width)} ${nspawn.name.padEnd(width)} nspawn/ts-nspawn`);
  const measured = (o: BootOutcome) => o.skipped === undefined && o.samples.length > 0;
  for (const [measure, label] of BOOT_ROWS) {
    const ratio = measured(ours) && measured(nspawn) ? (median(nspawn.samples, measure) / median(ours.samples, measure)).toFixed(2) : 'n/a';
    print(`   ${label.padEnd(28)} ${cell(ours, () => spread(ours.samples, measure))} ${cell(nspawn, () => spread(nspawn.samples, measure))} ${ratio.padStart(6)}`);
  }
  const statuses = (o: BootOutcome) => o.samples.map((s) => s.status).join(' ');
  print(`   ${'exit status after poweroff'.padEnd(28)} ${cell(ours, () => statuses(ours))} ${cell(nspawn, () => statuses(nspawn))}`);
  const states = (o: BootOutcome) => {
    const counts = new Map<string, number>();
    for (const s of o.samples) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
    return [...counts].map(([state, n]) => `${state} x${n}`).join(', ');
  };
  print(`   ${'state reached'.padEnd(28)} ${cell(ours, () => states(ours))} ${cell(nspawn, () => states(nspawn))}`);
  for (const o of report.outcomes) {
    if (o.skipped !== undefined) print(`   * ${o.name}: ${o.skipped}`);
    const failedUnits = [...new Set(o.samples.flatMap((s) => s.failedUnits))];
    if (failedUnits.length > 0) print(`   * ${o.name}: failed units: ${failedUnits.join(' ')}`);
  }
  for (const o of report.outcomes) if (o.version) print(`   * ${o.name}: ${o.version}`);
  print(`   * tree: ${report.tree}${report.built !== undefined ? ` (bootstrapped now, in ${report.built.toFixed(0)} s)` : ' (cached)'};`);
  print('     each boot on a fresh overlayfs copy (lower: the tree, never written; upper: a temp dir), unmounted and removed after it');
  print('   * how: bench/boot-console.py starts the runtime on a new PTY (its console); times are CLOCK_MONOTONIC from just');
  print('     before fork() to when the data reached the helper. "running": a unit added to the copy, bench-ready.service');
  print('     (Type=simple, After=multi-user.target), runs `systemctl is-system-running --wait` (woken by systemd\'s');
  print('     StartupFinished signal, no polling) and writes the state into a FIFO at the tree\'s root that the helper reads:');
  print('     the same path under both runtimes (not the console: agetty flushes its queue as it starts, which can swallow');
  print('     a line). "login prompt": the first "<host> login: " on the PTY. Once both are in, root logs in (no password)');
  print('     and types poweroff at the shell prompt: time from writing "poweroff\\r" to the runtime\'s exit (waitpid on SIGCHLD).');
  print('   * systemd-nspawn -b --register=no --keep-unit: PID 1 here is not systemd');
  print(`   * the issue's figures for systemd-nspawn (its machine): running ${ISSUE_REFERENCE.running} s, prompt ${ISSUE_REFERENCE.prompt} s`);
  print(`     (about 1 s of that agetty's own sleep), exit ${ISSUE_REFERENCE.exit} s after poweroff`);
  print();

  if (measured(ours) && measured(nspawn)) {
    const verdicts = BOOT_ROWS.map(([measure, label]) => {
      const a = median(ours.samples, measure);
      const b = median(nspawn.samples, measure);
      const range = (o: BootOutcome) => o.samples.map((s) => s[measure]);
      const overlap = Math.min(...range(ours)) <= Math.max(...range(nspawn)) && Math.min(...range(nspawn)) <= Math.max(...range(ours));
      return `${label.replace(/^start -> /, '')} ${a.toFixed(3)} vs ${b.toFixed(3)} s: ${a < b ? 'met' : 'not met'}${overlap ? ' (ranges overlap)' : ''}`;
    });
    targets.push(`OS boot, ts-nspawn faster than systemd-nspawn (medians): ${verdicts.join('; ')}`);
  } else {
    targets.push('OS boot vs systemd-nspawn: not measured');
  }
  return measured(ours);
}

function listLine(label: string, loaded: Summary, baseline: Summary, report: ListReport): string {
  return `      ${label.padEnd(12)} median ${ms(loaded.median).padStart(6)} ms (p10 ${ms(loaded.p10)}, p90 ${ms(loaded.p90)}) with ${report.count} running; ` +
    `${ms(baseline.median)} ms before they started`;
}

/** Section 5; returns false when a ts-nspawn measurement failed. */
async function lifecycle(ctx: BenchContext, options: BenchOptions, targets: string[]): Promise<boolean> {
  let ok = true;
  print('5. Detached containers (busybox tree; --skip lifecycle)');
  print('   a. Resident memory of the process that stays per container, /bin/sleep 60 in it, read 300 ms after start');
  print('      (VmRSS from /proc/PID/status; PSS from /proc/PID/smaps_rollup, shared pages split among their users)');
  const resident = await residentMemory(ctx);
  for (const r of resident) {
    const figures = r.rss === undefined ? r.skipped ?? 'not measured' : `${kib(r.rss).padStart(9)}  (PSS ${r.pss === undefined ? '?' : kib(r.pss)})  ${r.detail ?? ''}`;
    print(`      ${r.name.padEnd(18)} ${figures}`);
  }
  const monitor = resident[0];
  if (monitor?.rss === undefined) ok = false;
  targets.push(
    monitor?.rss === undefined
      ? `monitor memory: not measured (${monitor?.skipped ?? '?'})`
      : `monitor VmRSS ${kib(monitor.rss)} vs ${kib(MONITOR_TARGET_KIB)}: ${monitor.rss <= MONITOR_TARGET_KIB ? 'met' : 'not met'}` +
        resident.slice(1).filter((r) => r.rss !== undefined).map((r) => `; ${r.name} ${kib(r.rss!)}`).join(''),
  );
  throwIfInterrupted();

  print(`   b. exec of /bin/true into a running container (ms; section 1's timer, ${options.iterations} runs after ${plural(options.warmups, 'warm-up')})`);
  const exec = await attempt(() => execRoundTrip(ctx, options));
  if (failed(exec)) {
    ok = false;
    print(`      failed: ${exec.failed}`);
  } else {
    const results = printOutcomes(exec.outcomes, 'other/ts-nspawn', '      ');
    for (const note of exec.notes) print(`      * ${note}`);
    print('      * nsenter -t PID -a: PID is the ts-nspawn container\'s PID 1 (status --json); crun exec: into a crun container of the same tree');
    if (!results.has('ts-nspawn exec')) ok = false;
  }
  throwIfInterrupted();

  print(`   c. ${options.containers} detached containers (run -d ... /bin/sleep 600, ${Math.min(10, options.containers)} started at once; --containers N)`);
  const list = await attempt(() => listWithMany(ctx, options.containers));
  if (failed(list)) {
    ok = false;
    print(`      failed: ${list.failed}`);
  } else {
    print(`      started in ${list.startSeconds.toFixed(2)} s (run -d median ${ms(list.startEach.median)} ms each, 10 in parallel); ${list.running} of ${list.count} running`);
    print(listLine('list', list.loaded.table, list.baseline.table, list));
    print(listLine('list --json', list.loaded.json, list.baseline.json, list));
    print(`      (each: 10 timed runs after 1, alternating; before: ${plural(list.othersBefore, 'container')} not the bench's listed)`);
    if (list.monitorRss !== undefined && list.monitorPssTotal !== undefined) {
      print(`      monitors: VmRSS median ${kib(list.monitorRss)} each; PSS ${kib(list.monitorPssTotal)} in all = ${kib(Math.round(list.monitorPssTotal / list.count))} per container`);
    }
    const clean = list.leftListed.length === 0 && list.leftProcesses === 0;
    print(`      rm -f of all ${list.count} in one command: ${list.removeSeconds.toFixed(2)} s; afterwards ` +
      (clean ? 'list shows none of them and none of their processes is left'
        : `still listed: ${list.leftListed.join(' ') || 'none'}; processes left: ${list.leftProcesses}`));
    if (!clean || list.running !== list.count) ok = false;
  }
  print();
  return ok;
}

/** The published reference for the create -> start -> delete cycle (youki's benchmark), in ms. */
const CYCLE_REFERENCE = 'crun 47 ms, youki 111 ms, runc 225 ms';

/** Section 6; returns false when ts-nspawn's cycle failed. */
async function cycle(ctx: BenchContext, options: LoopOptions, targets: string[]): Promise<boolean> {
  print(`6. create -> start -> delete of /bin/true (ms; the three commands' start-to-exit times added up, ${options.iterations} cycles after ${plural(options.warmups, 'warm-up')})`);
  const results = printOutcomes(await measureCycle(ctx, options), 'peer/ts-nspawn');
  print(`   * published reference for this cycle (another machine): ${CYCLE_REFERENCE}`);
  print();
  const ours = results.get(RUNNERS[0]?.name ?? '');
  const others = ['crun', 'runc'].flatMap((name) => {
    const summary = results.get(name);
    return summary ? [`${name} ${ms(summary.median)} ms`] : [];
  });
  targets.push(ours ? `create/start/delete median ${ms(ours.median)} ms${others.length ? ` vs ${others.join(', ')}` : ''}` : 'create/start/delete: not measured');
  return ours !== undefined;
}

/** podman runs take ~0.5 s each: section 7 times at most this many per runtime. */
const PODMAN_MAX_ITERATIONS = 10;

/** Section 7; returns false when podman with ts-runc failed (podman missing is no failure). */
async function podman(ctx: BenchContext, options: LoopOptions, targets: string[]): Promise<boolean> {
  const iterations = Math.min(options.iterations, PODMAN_MAX_ITERATIONS);
  const warmups = Math.min(options.warmups, 1);
  print(`7. podman run --rm IMAGE true with each runtime (ms; start-to-exit of podman, ${iterations} runs after ${plural(warmups, 'warm-up')}; --skip podman)`);
  const missing = podmanMissing();
  if (missing) {
    print(`   not measured: ${missing}`);
    print();
    targets.push(`podman run: not measured (${missing})`);
    return true;
  }
  const results = printOutcomes(await measurePodman(ctx, { iterations, warmups }), 'other/ts-runc');
  print('   * podman with a private configuration in the work dir (cgroupfs, file events and locks, no network); the image is the busybox tree');
  print();
  const ours = results.get('podman + ts-runc');
  const runc = results.get('podman + runc');
  targets.push(ours
    ? `podman run with ts-runc median ${ms(ours.median)} ms${runc ? ` vs runc ${ms(runc.median)} ms: ${ours.median <= runc.median ? 'met' : 'not met'} (target: ahead of runc)` : ''}`
    : 'podman run with ts-runc: not measured');
  return ours !== undefined;
}

/** Section 8; returns false when a ts-runc measurement failed. */
async function startup(ctx: BenchContext, options: LoopOptions, targets: string[]): Promise<boolean> {
  print(`8. Start-up without a container (ms; section 1's timer, ${options.iterations} runs after ${plural(options.warmups, 'warm-up')}; --skip startup)`);
  const { version, state } = await measureStartup(ctx, options);
  print('   a. --version');
  const versions = printOutcomes(version, 'other/first', '      ', 'the standalone ts-runc is faster');
  print('   b. state ID of a created container, held before /bin/true');
  const states = printOutcomes(state, 'other/first', '      ', 'the standalone ts-runc is faster');
  for (const runner of [...VERSION_RUNNERS.slice(0, 4), ...STATE_RUNNERS.slice(2)]) {
    if (runner.missing(ctx) === undefined) print(`   * ${runner.name}: ${runner.version(ctx)}`);
  }
  print();
  const figure = (results: Map<string, Summary>, name: string) => {
    const summary = results.get(name);
    return summary ? `${ms(summary.median)} ms` : 'n/a';
  };
  targets.push(`ts-runc state: launcher ${figure(states, 'ts-runc bin/')}, standalone ${figure(states, 'ts-runc standalone')}, runc ${figure(states, 'runc')}, crun ${figure(states, 'crun')}`);
  return versions.has('ts-runc standalone') && states.has('ts-runc standalone');
}

async function bench(options: BenchOptions): Promise<number> {
  const ctx = makeWorkDir();
  printHeader(ctx, options);
  const targets: string[] = [];
  let ok = true;
  let startTimes = new Map<string, Summary>();
  if (!options.skip.has('start')) {
    startTimes = await startToExit(ctx, options);
    startTargets(startTimes, targets);
    if (!startTimes.has(RUNNERS[0]?.name ?? '')) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('policy')) {
    if (!(await policyOverhead(ctx, options, targets))) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('memory')) {
    if (!(await peakMemory(ctx))) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('sequential')) {
    if (!(await sequential(ctx, options, startTimes, targets))) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('boot')) {
    if (!(await osBoot(ctx, options, targets))) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('lifecycle')) {
    if (!(await lifecycle(ctx, options, targets))) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('cycle')) {
    if (!(await cycle(ctx, options, targets))) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('podman')) {
    if (!(await podman(ctx, options, targets))) ok = false;
    throwIfInterrupted();
  }
  if (!options.skip.has('startup')) {
    if (!(await startup(ctx, options, targets))) ok = false;
  }
  print('Targets');
  for (const line of targets) print(`   ${line}`);
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  print(`   (load average ${load} at the end: other work on the host slows every runner)`);
  return ok ? 0 : 1;
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
