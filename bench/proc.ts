/**
 * Small process helpers for the boot and lifecycle sections: running a
 * command to completion without blocking the signal handlers, waiting for
 * a condition, and reading a process's memory from /proc.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfInterrupted, track } from './cleanup.js';

export interface Captured {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs argv to completion (killed after timeoutMs), collecting its output; never rejects for a failed command. */
export async function capture(argv: readonly string[], { timeoutMs = 30_000 } = {}): Promise<Captured> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => resolve([code, sig]));
    });
    // Let the output drain, but do not wait for a descendant that kept the pipes (crun run -d's container does).
    const drained = [child.stdout, child.stderr].filter((s) => s && !s.closed).map((s) => new Promise((r) => s!.once('close', r)));
    const late = setTimeout(() => [child.stdout, child.stderr].forEach((s) => s?.destroy()), 1000);
    await Promise.all(drained);
    clearTimeout(late);
    return { status, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** One line saying why a captured command failed. */
export function failure(argv: readonly string[], result: Captured): string {
  const last = result.stderr.trim().split('\n').at(-1)?.trim();
  const status = result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
  return `${argv.join(' ')}: ${status}${last ? `: ${last}` : ''}`;
}

/** Like capture, but throws with the reason unless the command exits 0. */
export async function check(argv: readonly string[], options?: { timeoutMs?: number }): Promise<string> {
  const result = await capture(argv, options);
  if (result.status !== 0) {
    throwIfInterrupted();
    throw new Error(failure(argv, result));
  }
  return result.stdout;
}

/**
 * Polls predicate every intervalMs until it returns a value other than
 * undefined; throws after timeoutMs, or at once on Ctrl-C unless this is
 * clean-up (interruptible false).
 */
export async function waitFor<T>(
  what: string,
  predicate: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 20, interruptible = true } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (interruptible) throwIfInterrupted();
    const value = await predicate();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A field of /proc/PID/status in KiB, or undefined once the process is gone. */
export function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Proportional set size (KiB, /proc/PID/smaps_rollup): shared pages split among the processes mapping them. */
export function pssKiB(pid: number): number | undefined {
  try {
    const match = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The parent PID of pid, or undefined when it is gone. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state, ppid, ...; comm may itself hold spaces or parens.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** PIDs whose parent is `parent` (no /proc/PID/task/T/children on every kernel, so scan). */
export function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => parentOf(pid) === parent);
}

/** Whether pid exists and has not exited (a zombie counts as exited). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
