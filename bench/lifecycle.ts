/**
 * Section 5: detached containers on the busybox tree.
 *   a. resident memory of what stays per detached container: ts-nspawn's
 *      monitor (the executor, `status --json` supervisor.pid), conmon
 *      (runc as its runtime, run directly on an OCI bundle) and the
 *      systemd-nspawn process;
 *   b. `exec` of /bin/true into a running container: ts-nspawn exec,
 *      nsenter -a, crun exec, interleaved like section 1;
 *   c. `ts-nspawn list` (and --json) with N detached containers running,
 *      then `rm -f` of them all.
 * Every container started is removed at the end of its part, and by the
 * clean-up registry if the bench is cut short.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup, throwIfInterrupted, track } from './cleanup.js';
import { commandPath, firstLine } from './host.js';
import { deleteLeftoversAtCleanup, makeBundle } from './oci-bundle.js';
import { hybridUnifiedMounted, timerWithoutUnifiedCgroup, withoutUnifiedCgroup } from './private-namespace.js';
import { alive, capture, check, childrenOf, failure, pssKiB, statusKiB, waitFor } from './proc.js';
import { removeNspawnStateAtCleanup, type BenchContext, type Runner } from './runners.js';
import { measureStartToExit, type Outcome } from './start-to-exit.js';
import { localTimer, timeOnce, type LoopOptions } from './spawn-timer.js';
import { nsToMs, summarize, type Summary } from './stats.js';

/** How long a container runs before its monitor's memory is read: past start-up, settled. */
const SETTLE_MS = 300;
/** Detached containers started at once in part c. */
const BATCH = 10;
/** Timed `list` runs (each form) in part c, after one untimed. */
const LIST_RUNS = 10;

interface Status {
  id: string;
  status: string;
  pid?: number;
  supervisor?: { pid: number };
}

// ---------------------------------------------------------------- ts-nspawn helpers

function readable(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Removes those of `names` that ts-nspawn still lists; returns the names it could not remove. */
async function removeContainers(ctx: BenchContext, names: Iterable<string>): Promise<string[]> {
  const wanted = new Set(names);
  if (wanted.size === 0) return [];
  const present = (await listJson(ctx)).map((s) => s.id).filter((id) => wanted.has(id));
  const failed: string[] = [];
  for (let i = 0; i < present.length; i += 25) {
    const chunk = present.slice(i, i + 25);
    const result = await capture([ctx.cli, 'rm', '-f', ...chunk], { timeoutMs: 120_000 });
    if (result.status !== 0) {
      // One at a time, to say which: a name rm -f fails on that status still knows.
      for (const name of chunk) {
        if ((await capture([ctx.cli, 'rm', '-f', name])).status === 0) continue;
        if ((await capture([ctx.cli, 'status', name])).status === 0) failed.push(name);
      }
    }
  }
  return failed;
}

async function listJson(ctx: BenchContext): Promise<Status[]> {
  return JSON.parse(await check([ctx.cli, 'list', '--json'])) as Status[];
}

async function statusJson(ctx: BenchContext, name: string): Promise<Status> {
  return JSON.parse(await check([ctx.cli, 'status', name, '--json'])) as Status;
}

/** Starts `run -d -M name` of argv on the busybox tree; its removal is registered first. */
async function detach(ctx: BenchContext, name: string, argv: string[]): Promise<void> {
  onCleanup(`ts-nspawn container ${name}`, async () => {
    const left = await removeContainers(ctx, [name]);
    if (left.length > 0) throw new Error(`ts-nspawn rm -f ${name} failed`);
  });
  await check([ctx.cli, 'run', '-d', '-M', name, '-D', ctx.root, ...argv]);
}

// ---------------------------------------------------------------- a. memory

export interface Resident {
  name: string;
  /** What was measured, e.g. the process and how it was found. */
  detail?: string;
  rss?: number;
  pss?: number;
  /** Why it was not measured. */
  skipped?: string;
}

async function tsNspawnMonitor(ctx: BenchContext): Promise<Resident> {
  const name = `${ctx.idPrefix}mem`;
  try {
    await detach(ctx, name, ['/bin/sleep', '60']);
    const pid = (await statusJson(ctx, name)).supervisor?.pid;
    if (pid === undefined) throw new Error('status --json has no supervisor.pid');
    await sleep(SETTLE_MS);
    let exe = '?';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`).split('/').at(-1) ?? '?';
    } catch {
      // Gone: the figures below say so.
    }
    const rss = statusKiB(pid, 'VmRSS');
    if (rss === undefined) throw new Error(`the monitor (pid ${pid}) is gone`);
    return { name: 'ts-nspawn monitor', detail: `${exe}, status --json supervisor.pid`, rss, pss: pssKiB(pid) };
  } finally {
    await removeContainers(ctx, [name]);
  }
}

async function conmon(ctx: BenchContext): Promise<Resident> {
  const base = { name: 'conmon' };
  const conmonPath = commandPath('conmon');
  if (!conmonPath) return { ...base, skipped: 'not installed (apt-get install conmon)' };
  const runc = commandPath('runc');
  if (!runc) return { ...base, skipped: 'not measured: it needs runc as its runtime, not installed (apt-get install runc)' };
  const version = firstLine(['conmon', '--version'])?.replace(/^conmon version /, '') ?? '?';
  const dir = join(ctx.workDir, 'conmon');
  const bundle = join(dir, 'bundle');
  const runcRoot = join(dir, 'runc-root');
  for (const sub of ['exit', 'sockets']) mkdirSync(join(dir, sub), { recursive: true });
  makeBundle('runc', bundle, ctx.root, ['/bin/sleep', '60']);
  const id = `${ctx.idPrefix}conmon`;
  const runcArgs = (...args: string[]) => [runc, '--root', runcRoot, ...args];
  let conmonPid: number | undefined;
  const stop = async () => {
    if ((await capture(runcArgs('state', id))).status === 0) await capture(runcArgs('delete', '-f', id));
    if (conmonPid !== undefined && alive(conmonPid)) {
      // conmon exits once its container has: give it a moment, then make sure.
      await waitFor('conmon to exit', () => (alive(conmonPid!) ? undefined : true), { timeoutMs: 5000, interruptible: false }).catch(() => process.kill(conmonPid!, 'SIGKILL'));
    }
  };
  onCleanup(`conmon container ${id}`, stop);
  try {
    // As podman starts it, minus the sync pipes: conmon forks, runs `runc create`, and stays as the container's parent.
    await check([
      conmonPath, '--api-version', '1', '-c', id, '-u', id, '-n', id, '-r', runc, '--runtime-arg', `--root=${runcRoot}`,
      '-b', bundle, '-p', join(dir, 'pidfile'), '-P', join(dir, 'conmon.pid'), '-l', `k8s-file:${join(dir, 'ctr.log')}`,
      '--exit-dir', join(dir, 'exit'), '--socket-dir-path', join(dir, 'sockets'), '--log-level', 'error',
    ]);
    conmonPid = Number(readFileSync(join(dir, 'conmon.pid'), 'utf8').trim());
    const state = async () => {
      const result = await capture(runcArgs('state', id));
      return result.status === 0 ? (JSON.parse(result.stdout) as { status: string }).status : undefined;
    };
    await waitFor('runc create under conmon', async () => ((await state()) === 'created' ? true : undefined), { timeoutMs: 20_000 });
    await check(runcArgs('start', id));
    await waitFor('the conmon container to run', async () => ((await state()) === 'running' ? true : undefined));
    await sleep(SETTLE_MS);
    const rss = statusKiB(conmonPid, 'VmRSS');
    if (rss === undefined || !alive(conmonPid)) throw new Error(`conmon (pid ${conmonPid}) is gone`);
    const runcVersion = firstLine([runc, '--version'])?.replace(/^runc version /, '') ?? '?';
    return { name: 'conmon', detail: `conmon ${version}, runc ${runcVersion} as its runtime`, rss, pss: pssKiB(conmonPid) };
  } finally {
    await stop();
  }
}

async function nspawnProcess(ctx: BenchContext): Promise<Resident> {
  const base = { name: 'systemd-nspawn' };
  if (!commandPath('systemd-nspawn')) return { ...base, skipped: 'not installed (apt-get install systemd-container)' };
  removeNspawnStateAtCleanup();
  const version = firstLine(['systemd-nspawn', '--version']) ?? '?';
  const child = spawn('systemd-nspawn', ['-q', '-D', ctx.root, '--register=no', '--keep-unit', '-M', `${ctx.idPrefix}nsmem`, '/bin/sleep', '60'], { stdio: 'ignore' });
  track(child);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let inner: number | undefined;
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('systemd-nspawn did not start');
    // Its child becomes the container's PID 1, /bin/sleep.
    inner = await waitFor('the systemd-nspawn container to run sleep', () =>
      childrenOf(pid).find((c) => {
        try {
          return readFileSync(`/proc/${c}/cmdline`, 'utf8').startsWith('/bin/sleep\0');
        } catch {
          return false;
        }
      }),
    );
    await sleep(SETTLE_MS);
    const rss = statusKiB(pid, 'VmRSS');
    if (rss === undefined) throw new Error('systemd-nspawn is gone');
    return { name: 'systemd-nspawn', detail: `${version}, its one process, console read-only (its default without a terminal)`, rss, pss: pssKiB(pid) };
  } finally {
    // sleep as PID 1 ignores SIGTERM: kill it, and nspawn ends with it.
    if (inner !== undefined && alive(inner)) process.kill(inner, 'SIGKILL');
    else if (child.exitCode === null) child.kill('SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

async function measured(name: string, f: () => Promise<Resident>): Promise<Resident> {
  try {
    return await f();
  } catch (error) {
    throwIfInterrupted();
    return { name, skipped: `failed: ${(error as Error).message}` };
  }
}

export async function residentMemory(ctx: BenchContext): Promise<Resident[]> {
  const results: Resident[] = [];
  results.push(await measured('ts-nspawn monitor', () => tsNspawnMonitor(ctx)));
  throwIfInterrupted();
  results.push(await measured('conmon', () => conmon(ctx)));
  throwIfInterrupted();
  results.push(await measured('systemd-nspawn', () => nspawnProcess(ctx)));
  return results;
}

// ---------------------------------------------------------------- b. exec

/**
 * Starts what the exec runners need (a ts-nspawn container and a crun
 * one), runs them like section 1, and removes the containers.
 */
export async function execRoundTrip(ctx: BenchContext, options: LoopOptions): Promise<{ outcomes: Outcome[]; notes: string[] }> {
  const name = `${ctx.idPrefix}exec`;
  const crunId = `${ctx.idPrefix}crun-exec`;
  const hidesUnified = hybridUnifiedMounted();
  const wrap = (argv: string[]) => (hidesUnified ? withoutUnifiedCgroup(argv) : argv);
  const notes: string[] = [];
  let crunStarted = false;
  const crunStop = async () => {
    if (!crunStarted) return;
    crunStarted = false;
    const result = await capture(wrap(['crun', 'delete', '-f', crunId]));
    if (result.status !== 0) throw new Error(failure(['crun', 'delete', '-f', crunId], result));
  };

  const tsExec: Runner = {
    name: 'ts-nspawn exec',
    missing: () => undefined,
    version: () => '',
    async prepare() {
      await detach(ctx, name, ['/bin/sleep', '600']);
      return { timer: localTimer, template: [ctx.cli, 'exec', name, '/bin/true'] };
    },
  };
  const nsenter: Runner = {
    name: 'nsenter -a',
    missing: () => (commandPath('nsenter') ? undefined : 'not installed (apt-get install util-linux)'),
    version: () => '',
    async prepare() {
      // The ts-nspawn container's PID 1, started by the runner before this one.
      const pid = (await statusJson(ctx, name)).pid;
      if (!pid) throw new Error(`status --json of ${name} has no pid`);
      return { timer: localTimer, template: ['nsenter', '-t', String(pid), '-a', '/bin/true'] };
    },
  };
  const crun: Runner = {
    name: 'crun exec',
    missing: () => (commandPath('crun') ? undefined : 'not installed (apt-get install crun)'),
    version: () => '',
    async prepare() {
      const bundle = join(ctx.workDir, 'crun-exec-bundle');
      makeBundle('crun', bundle, ctx.root, ['/bin/sleep', '600']);
      deleteLeftoversAtCleanup('crun', ctx.idPrefix, wrap);
      onCleanup(`crun container ${crunId}`, crunStop);
      crunStarted = true;
      // The container inherits crun's stdio: /dev/null, not pipes that would stay open; stderr through a file.
      const errors = join(ctx.workDir, 'crun-exec.stderr');
      const started = await capture(wrap(['sh', '-c', 'exec crun run -d --bundle "$1" "$2" </dev/null >/dev/null 2>"$3"', 'sh', bundle, crunId, errors]));
      if (started.status !== 0) {
        throw new Error(failure(['crun', 'run', '-d', '--bundle', bundle, crunId], { ...started, stderr: readable(errors) }));
      }
      if (hidesUnified) {
        notes.push(
          'crun exec: the container was started, and each exec spawned and timed, inside the private mount namespace ' +
            'section 1 uses (no /sys/fs/cgroup/unified), by the helper started there once',
        );
      }
      return { timer: hidesUnified ? timerWithoutUnifiedCgroup() : localTimer, template: ['crun', 'exec', crunId, '/bin/true'] };
    },
  };
  try {
    const outcomes = await measureStartToExit(ctx, [tsExec, nsenter, crun], options);
    return { outcomes, notes };
  } finally {
    await removeContainers(ctx, [name]);
    await crunStop();
  }
}

// ---------------------------------------------------------------- c. list

export interface ListReport {
  count: number;
  /** Other containers ts-nspawn listed before ours were started (other users of the host). */
  othersBefore: number;
  baseline: { table: Summary; json: Summary };
  startSeconds: number;
  startEach: Summary;
  running: number;
  loaded: { table: Summary; json: Summary };
  /** The monitors of ours: median VmRSS and summed PSS (KiB). */
  monitorRss?: number;
  monitorPssTotal?: number;
  removeSeconds: number;
  /** Ours still listed after rm -f, and monitor or init processes of ours still alive. */
  leftListed: string[];
  leftProcesses: number;
}

async function timeLists(ctx: BenchContext): Promise<{ table: Summary; json: Summary }> {
  const table: number[] = [];
  const json: number[] = [];
  const forms: Array<[string[], number[]]> = [
    [[ctx.cli, 'list'], table],
    [[ctx.cli, 'list', '--json'], json],
  ];
  for (let round = 0; round <= LIST_RUNS; round++) {
    for (let k = 0; k < forms.length; k++) {
      throwIfInterrupted();
      const [argv, samples] = forms[(round + k) % forms.length]!;
      const ms = await timeOnce(argv);
      if (round > 0) samples.push(ms);
    }
  }
  return { table: summarize(table), json: summarize(json) };
}

export async function listWithMany(ctx: BenchContext, count: number): Promise<ListReport> {
  const names = Array.from({ length: count }, (_, i) => `${ctx.idPrefix}l${i}`);
  const mine = new Set(names);
  onCleanup(`${count} detached ts-nspawn containers`, async () => {
    const left = await removeContainers(ctx, names);
    if (left.length > 0) throw new Error(`could not remove ${left.join(' ')}`);
  });
  const othersBefore = (await listJson(ctx)).filter((s) => !mine.has(s.id)).length;
  const baseline = await timeLists(ctx);

  const each: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < names.length; i += BATCH) {
    throwIfInterrupted();
    // allSettled: on a failure, the batch's other starts finish before clean-up lists what to remove.
    const batch = await Promise.allSettled(names.slice(i, i + BATCH).map((name) => timeOnce([ctx.cli, 'run', '-d', '-M', name, '-D', ctx.root, '/bin/sleep', '600'])));
    for (const outcome of batch) {
      if (outcome.status === 'rejected') throw outcome.reason;
      each.push(outcome.value);
    }
  }
  const startSeconds = nsToMs(process.hrtime.bigint() - started) / 1000;
  throwIfInterrupted();
  const ours = (await listJson(ctx)).filter((s) => mine.has(s.id));
  const running = ours.filter((s) => s.status === 'running').length;
  await sleep(SETTLE_MS);
  const rss = ours.map((s) => (s.supervisor ? statusKiB(s.supervisor.pid, 'VmRSS') : undefined)).filter((x): x is number => x !== undefined);
  const pss = ours.map((s) => (s.supervisor ? pssKiB(s.supervisor.pid) : undefined)).filter((x): x is number => x !== undefined);
  const loaded = await timeLists(ctx);

  const pids = ours.flatMap((s) => [s.supervisor?.pid, s.pid]).filter((x): x is number => x !== undefined && x > 0);
  const removeStarted = process.hrtime.bigint();
  const removeFailed = await capture([ctx.cli, 'rm', '-f', ...names], { timeoutMs: 300_000 });
  const removeSeconds = nsToMs(process.hrtime.bigint() - removeStarted) / 1000;
  throwIfInterrupted();
  if (removeFailed.status !== 0) process.stderr.write(`bench: ${failure(['ts-nspawn', 'rm', '-f', `(${count} names)`], removeFailed)}\n`);
  const leftListed = (await listJson(ctx)).filter((s) => mine.has(s.id)).map((s) => s.id);
  // The monitors exit as their containers end; give stragglers a moment before counting them.
  await waitFor('the containers to end', () => (pids.some(alive) ? undefined : true), { timeoutMs: 5000 }).catch(() => {});
  return {
    count,
    othersBefore,
    baseline,
    startSeconds,
    startEach: summarize(each),
    running,
    loaded,
    ...(rss.length > 0 ? { monitorRss: summarize(rss).median, monitorPssTotal: pss.reduce((a, b) => a + b, 0) } : {}),
    removeSeconds,
    leftListed,
    leftProcesses: pids.filter(alive).length,
  };
}
