/**
 * The contract every ts-nspawn invocation keeps, whatever its input (issue
 * 11): it ends (no hang), exits 0 or 125, and a failure is one line on
 * stderr starting `ts-nspawn: `, with no internal error or stack trace.
 * Runs the built CLI (bin/ts-nspawn) without starting containers.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './index.js';

/** TS_NSPAWN_TEST_CLI runs the properties against another build (to see them catch an old bug). */
export const CLI = process.env.TS_NSPAWN_TEST_CLI || fileURLToPath(new URL('../../../bin/ts-nspawn', import.meta.url));

export interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCliSync(args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 15_000): Outcome {
  const result = spawnSync(CLI, args, { env, cwd, timeout: timeoutMs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(result.signal, null, `ts-nspawn ${JSON.stringify(args)} hung (killed after ${timeoutMs} ms)`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function assertContract(args: string[], outcome: Outcome, allowed: number[] = [0, 125]): void {
  const what = `ts-nspawn ${JSON.stringify(args)} -> ${outcome.status}: ${JSON.stringify(outcome.stderr)}`;
  assert.ok(allowed.includes(outcome.status ?? -1), `unexpected exit status: ${what}`);
  assert.doesNotMatch(outcome.stderr, /internal error|\n\s+at /, `internal error or stack trace: ${what}`);
  if (outcome.status === 125) assert.match(outcome.stderr, /^ts-nspawn: [^\n]+\n$/, `not one line: ${what}`);
}

/** Bounded, reproducible runs: a fixed seed (TS_NSPAWN_FC_SEED overrides), a count and a time budget. */
export function propertyParameters(numRuns: number, timeMs: number): { seed: number; numRuns: number; interruptAfterTimeLimit: number; markInterruptAsFailure: false } {
  const seed = Number(process.env.TS_NSPAWN_FC_SEED ?? 20261130);
  return { seed, numRuns, interruptAfterTimeLimit: timeMs, markInterruptAsFailure: false };
}

export interface PropertyWorkspace {
  /** The temporary directory holding the rest; removed after the file's tests. */
  path: string;
  /** TS_NSPAWN_STATE_DIR for the CLI runs. */
  stateDir: string;
  /** Their working directory. */
  cwd: string;
  /** A directory outside the state root that looks like a record: it must survive. */
  decoyDir: string;
  /** A process that is no container's: it must never be signalled. */
  sleeper: ChildProcess;
}

/** The frame of a property-test file: state root, working directory and the two decoys, cleaned up after. */
export function usePropertyWorkspace(prefix: string, decoyState: string): PropertyWorkspace {
  const work = makeTempDir(prefix);
  const workspace = {
    path: work.path,
    stateDir: join(work.path, 'state'),
    cwd: join(work.path, 'cwd'),
    decoyDir: join(work.path, 'decoy'),
    sleeper: spawn('sleep', ['1000'], { stdio: 'ignore' }),
  };
  for (const directory of [workspace.stateDir, workspace.cwd, workspace.decoyDir]) mkdirSync(directory);
  writeFileSync(join(workspace.decoyDir, 'state.json'), decoyState);
  after(() => {
    workspace.sleeper.kill('SIGKILL');
    work.remove();
  });
  return workspace;
}
