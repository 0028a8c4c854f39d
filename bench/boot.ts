/**
 * Section 4: booting a real Debian tree with systemd as its PID 1, under
 * ts-nspawn and systemd-nspawn, on a pseudo-terminal as console. Each boot
 * gets a fresh overlayfs copy of the cached tree (test/helpers/debian-tree.ts
 * builds it once) with one unit added, bench-ready.service, which writes
 * the state `systemctl is-system-running --wait` returns into a FIFO at
 * the tree's root. bench/boot-console.py makes the FIFO, starts the runtime
 * on a PTY and times, from just before fork(): that line (the system is
 * running), the first login prompt on the console, and, after logging in
 * as root and typing `poweroff`, the runtime's exit. Runtimes alternate
 * boot by boot, order rotated each round.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { onCleanup, throwIfInterrupted, track } from './cleanup.js';
import { commandPath, firstLine, mountsUnder } from './host.js';
import { capture } from './proc.js';
import { removeNspawnStateAtCleanup, type BenchContext } from './runners.js';
import { percentile } from './stats.js';

const HELPER = fileURLToPath(new URL('./boot-console.py', import.meta.url));
/** A boot that has not powered off after this long is stopped and counts as failed. */
const BOOT_TIMEOUT_S = 90;

/** What the issue measured for systemd-nspawn on its machine (seconds). */
export const ISSUE_REFERENCE = { running: '0.43-0.70', prompt: '1.4-1.75', exit: '0.13-0.24' };

/** Where, in the tree, bench-ready.service writes the state (a FIFO that boot-console.py makes and reads). */
const READY_FIFO = 'bench-ready.fifo';

const READY_SCRIPT = `#!/bin/sh
# Added by the ts-nspawn bench: reports the state once the boot is over.
state=$(systemctl is-system-running --wait)
echo "BENCH-STATE=$state" >/${READY_FIFO}
failed=$(systemctl list-units --failed --no-legend --plain | cut -d' ' -f1 | tr '\\n' ' ')
echo "BENCH-FAILED=[$failed]" >/${READY_FIFO}
`;

const READY_UNIT = `[Unit]
Description=Report when the system is running (ts-nspawn bench)
After=multi-user.target

[Service]
# simple: its start job is done at once, so it does not hold up the boot it waits for.
Type=simple
ExecStart=/usr/local/sbin/bench-ready

[Install]
WantedBy=multi-user.target
`;

interface BootRuntime {
  name: string;
  missing(): string | undefined;
  version(): string;
  argv(root: string, machine: string): string[];
  /** Drops what the runtime may still record about the machine (ts-nspawn's state). */
  forget?(machine: string): Promise<void>;
}

function runtimes(ctx: BenchContext): BootRuntime[] {
  return [
    {
      name: 'ts-nspawn',
      missing: () => (existsSync(join(ctx.repo, 'build/ts-nspawn-executor')) ? undefined : 'not built (npm run build)'),
      version: () => firstLine([ctx.cli, '--version']) ?? '?',
      argv: (root, machine) => [ctx.cli, 'boot', '-M', machine, '-D', root],
      async forget(machine) {
        if ((await capture([ctx.cli, 'status', machine])).status !== 0) return;
        const removed = await capture([ctx.cli, 'rm', '-f', machine]);
        if (removed.status !== 0) throw new Error(`ts-nspawn rm -f ${machine}: ${removed.stderr.trim()}`);
      },
    },
    {
      name: 'systemd-nspawn',
      missing: () => (commandPath('systemd-nspawn') ? undefined : 'not installed (apt-get install systemd-container)'),
      version: () => firstLine(['systemd-nspawn', '--version']) ?? '?',
      // PID 1 here is not systemd: no machined to register with, no unit to move to.
      argv: (root, machine) => ['systemd-nspawn', '-b', '-D', root, '--register=no', '--keep-unit', '-M', machine],
    },
  ];
}

interface HelperResult {
  running: number | null;
  state: string | null;
  failed: string[] | null;
  prompt: number | null;
  loggedIn: number | null;
  poweroffSent: number | null;
  exited: number | null;
  status: number | null;
  error?: string;
}

export interface BootSample {
  running: number;
  prompt: number;
  exitAfterPoweroff: number;
  status: number;
  state: string;
  failedUnits: string[];
}

export interface BootOutcome {
  name: string;
  version?: string;
  skipped?: string;
  samples: BootSample[];
}

export interface BootReport {
  tree?: string;
  /** Set when the tree could not be had, or python3 is missing: the section did not run. */
  unavailable?: string;
  built?: number;
  outcomes: BootOutcome[];
}

/** A fresh overlay of the cached tree; removal is registered for the end too, and done at most once. */
async function freshCopy(lower: string, name: string): Promise<{ root: string; remove: () => Promise<void> }> {
  const { makeOverlay } = await import('../test/helpers/overlay.js');
  const overlay = makeOverlay(lower, name);
  let removed = false;
  const remove = async () => {
    if (removed) return;
    // Right after the runtime's exit the mount can still be busy for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        if (mountsUnder(overlay.root).length > 0) overlay.remove();
        break;
      } catch (error) {
        if (attempt >= 25) throw new Error(`could not unmount ${overlay.root}: ${(error as Error).message.trim()}`);
        await sleep(200);
      }
    }
    // overlay.remove() removes the temp dir once unmounted; not when the mount was already gone.
    rmSync(dirname(overlay.root), { recursive: true, force: true });
    removed = true;
  };
  onCleanup(`overlay ${overlay.root}`, remove);
  return { root: overlay.root, remove };
}

function installReadyUnit(root: string): void {
  const script = join(root, 'usr/local/sbin/bench-ready');
  writeFileSync(script, READY_SCRIPT);
  chmodSync(script, 0o755);
  writeFileSync(join(root, 'etc/systemd/system/bench-ready.service'), READY_UNIT);
  symlinkSync('../bench-ready.service', join(root, 'etc/systemd/system/multi-user.target.wants/bench-ready.service'));
}

/** The last lines of a console transcript, escape sequences removed, for a failure report. */
function transcriptTail(path: string, lines = 6): string {
  try {
    const text = readFileSync(path, 'latin1')
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      .replace(/\r/g, '');
    return text.split('\n').map((line) => line.trim()).filter(Boolean).slice(-lines).join(' | ');
  } catch {
    return '(no transcript)';
  }
}

/** Copies a failed boot's console transcript out of the work dir, which goes at the end. */
function keepTranscript(path: string, machine: string): string {
  const kept = join(tmpdir(), `ts-nspawn-bench-${machine}.console`);
  try {
    copyFileSync(path, kept);
    return kept;
  } catch {
    return '(not kept)';
  }
}

async function runHelper(argv: string[], transcript: string, fifo: string): Promise<HelperResult> {
  const child = spawn('python3', [HELPER, String(BOOT_TIMEOUT_S), transcript, fifo, '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve(status));
  });
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || !line) throw new Error(`boot-console.py failed (exit status ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
  return JSON.parse(line) as HelperResult;
}

async function bootOnce(ctx: BenchContext, runtime: BootRuntime, lower: string, machine: string): Promise<BootSample> {
  const copy = await freshCopy(lower, machine);
  try {
    installReadyUnit(copy.root);
    const transcript = join(ctx.workDir, `${machine}.console`);
    const result = await runHelper(runtime.argv(copy.root, machine), transcript, join(copy.root, READY_FIFO));
    throwIfInterrupted();
    const { running, prompt, poweroffSent, exited, status, state } = result;
    if (result.error || running === null || prompt === null || poweroffSent === null || exited === null || status === null || state === null) {
      const at = (t: number | null) => (t === null ? 'not seen' : `at ${t.toFixed(2)} s`);
      const seen = `running ${at(running)}, login prompt ${at(prompt)}, shell prompt ${at(result.loggedIn)}, exit ${at(exited)}`;
      const kept = keepTranscript(transcript, machine);
      throw new Error(`${result.error ?? 'incomplete'} (${seen}); console (whole in ${kept}): ${transcriptTail(transcript)}`);
    }
    return { running, prompt, exitAfterPoweroff: exited - poweroffSent, status, state, failedUnits: result.failed ?? [] };
  } finally {
    try {
      await runtime.forget?.(machine);
    } finally {
      await copy.remove();
    }
  }
}

/** Boots the tree `warmups + boots` times per runtime; `note` tells of a tree being built first. */
export async function measureBoot(ctx: BenchContext, boots: number, warmups: number, note: (line: string) => void): Promise<BootReport> {
  if (!commandPath('python3')) return { unavailable: 'python3 not installed (apt-get install python3): it drives the console', outcomes: [] };
  let lower: string;
  const info = { built: false, seconds: undefined as number | undefined };
  try {
    const { cachedDebianTree, debianTreeKey } = await import('../test/helpers/debian-tree.js');
    const key = debianTreeKey();
    if (!existsSync(key.marker)) note(`   (bootstrapping the ${key.suite} tree once into ${key.entry}: about 20 s, more on a slow mirror)`);
    lower = await cachedDebianTree(undefined, info);
  } catch (error) {
    throwIfInterrupted();
    return { unavailable: `no Debian tree: ${(error as Error).message.split('\n')[0]}`, outcomes: [] };
  }
  const all = runtimes(ctx);
  const outcomes: BootOutcome[] = all.map((runtime) => {
    const skipped = runtime.missing();
    return { name: runtime.name, skipped, samples: [], ...(skipped ? {} : { version: runtime.version() }) };
  });
  if (!outcomes[1]?.skipped) removeNspawnStateAtCleanup();
  for (let round = 0; round < warmups + boots; round++) {
    for (let k = 0; k < all.length; k++) {
      throwIfInterrupted();
      const i = (round + k) % all.length;
      const runtime = all[i];
      const outcome = outcomes[i];
      if (!runtime || !outcome || outcome.skipped !== undefined) continue;
      try {
        const sample = await bootOnce(ctx, runtime, lower, `${ctx.idPrefix}boot${round}${i}`);
        if (round >= warmups) outcome.samples.push(sample);
      } catch (error) {
        throwIfInterrupted();
        outcome.skipped = `failed (boot ${round + 1}): ${(error as Error).message}`;
        outcome.samples = [];
      }
    }
  }
  return { tree: lower, outcomes, ...(info.built && info.seconds !== undefined ? { built: info.seconds } : {}) };
}

export type BootMeasure = 'running' | 'prompt' | 'exitAfterPoweroff';

export function median(samples: BootSample[], measure: BootMeasure): number {
  return percentile(samples.map((s) => s[measure]).sort((a, b) => a - b), 50);
}

export function spread(samples: BootSample[], measure: BootMeasure): string {
  const values = samples.map((s) => s[measure]);
  const f = (x: number) => x.toFixed(3);
  return `${f(median(samples, measure))} (${f(Math.min(...values))}-${f(Math.max(...values))})`;
}
