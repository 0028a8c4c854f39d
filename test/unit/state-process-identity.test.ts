import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { identify, isAlive, processStartTime } from '../../src/state/process-identity.js';
import { makeTempDir } from './helpers/index.js';

const children: ChildProcess[] = [];
const temp = makeTempDir();

after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  temp.remove();
});

/** Starts `path args`, resolving once it runs (exec done). */
async function start(path: string, args: string[]): Promise<ChildProcess & { pid: number }> {
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  assert.ok(child.pid !== undefined);
  return child as ChildProcess & { pid: number };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const procState = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
};

describe('processStartTime', () => {
  it('is a digit string for this process, the same each time', () => {
    const first = processStartTime(process.pid);
    assert.match(first ?? '', /^\d+$/);
    assert.equal(processStartTime(process.pid), first);
  });

  it('is undefined for a PID that does not exist', () => {
    const { pid, status } = spawnSync('/bin/true');
    assert.equal(status, 0);
    assert.equal(typeof pid, 'number');
    assert.equal(processStartTime(pid), undefined);
  });

  it('reads field 22 after the last ")" when the command name has spaces and ")"', async () => {
    const program = join(temp.path, 'a) b');
    copyFileSync('/bin/sleep', program);
    const child = await start(program, ['30']);
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    assert.ok(stat.startsWith(`${child.pid} (a) b) `), stat);
    assert.equal(readFileSync(`/proc/${child.pid}/comm`, 'utf8'), 'a) b\n');

    const startTime = processStartTime(child.pid);
    assert.match(startTime ?? '', /^\d+$/);
    // Field 22 counted from the known command name: "PID (a) b) STATE PPID ..." -> starttime.
    const afterName = stat.slice(`${child.pid} (a) b) `.length).split(' ');
    assert.equal(startTime, afterName[19]);
    // A naive split on spaces would be off by one ("(a)" and "b)" as two fields).
    assert.notEqual(stat.split(' ')[21], startTime);
    // The child started after this process.
    assert.ok(BigInt(startTime ?? '0') >= BigInt(processStartTime(process.pid) ?? '0'));

    child.kill('SIGKILL');
    await exited(child);
  });

  it('is undefined for a zombie (ended, not yet reaped)', async () => {
    // sh reports the PID of a short background child, then becomes sleep, which never reaps it
    // (the child must outlive the exec, or sh reaps it itself).
    const parent = await start('/bin/sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30']);
    let output = '';
    parent.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => output.includes('\n'), 'the zombie PID');
    const zombie = Number(output.trim());
    assert.ok(Number.isInteger(zombie) && zombie > 0, output);
    await until(() => procState(zombie) === 'Z', `PID ${zombie} to become a zombie`);
    assert.equal(processStartTime(zombie), undefined);
    assert.equal(isAlive({ pid: zombie, startTime: '0' }), false);
    parent.kill('SIGKILL');
    await exited(parent);
  });
});

describe('identify / isAlive', () => {
  it('identifies this process and finds it alive', () => {
    const own = identify(process.pid);
    assert.deepEqual(own, { pid: process.pid, startTime: processStartTime(process.pid) });
    assert.equal(isAlive(own), true);
  });

  it('finds a reused PID (other start time) not alive', () => {
    const startTime = processStartTime(process.pid) ?? assert.fail();
    assert.equal(isAlive({ pid: process.pid, startTime: `${startTime}0` }), false);
    assert.equal(isAlive({ pid: process.pid, startTime: '0' }), false);
  });

  it('finds an ended process not alive', async () => {
    const { pid } = spawnSync('/bin/true');
    assert.equal(identify(pid), undefined);
    assert.equal(isAlive({ pid, startTime: '1' }), false);

    const child = await start('/bin/sleep', ['30']);
    const identity = identify(child.pid);
    assert.ok(identity);
    assert.equal(isAlive(identity), true);
    child.kill('SIGKILL');
    await exited(child);
    assert.equal(isAlive(identity), false);
  });

  it('finds no identity not alive', () => {
    assert.equal(isAlive(undefined), false);
  });
});
