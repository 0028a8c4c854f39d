/**
 * The create and start phases, as an engine drives them: `create` leaves
 * the container set up with its process held before the command, and it
 * outlives the command that created it; `start` lets it go on; `rm`
 * removes a created container; a failed start is reported by status.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { createContainer, removeContainer } from '../../src/index.js';
import { startCreated } from '../../src/runtime/start.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import { containerFile } from '../../src/state/paths.js';
import { runCli } from '../helpers/cli.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

interface Shown {
  status: string;
  pid: number;
  error?: { phase: string; message: string };
}

async function status(name: string): Promise<Shown> {
  const result = await runCli(['status', '--json', name]);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Shown;
}

describe('create and start', () => {
  const tree = useBusyboxTree();
  const names = new Set<string>();
  after(async () => {
    for (const name of names) await runCli(['rm', '-f', name]);
  });

  it('creates a container that is set up, outlives its creator and runs its command only once started', async () => {
    names.add('ph-one');
    const created = await runCli(['create', '-M', 'ph-one', '-D', tree.root, '/bin/sh', '-c', 'echo ran > /tmp/ran; echo output; exec sleep 30']);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.stdout, 'ph-one\n');
    const shown = await status('ph-one');
    assert.equal(shown.status, 'created');
    // Set up already (its own PID namespace, its hostname), but not yet its command.
    assert.equal(readFileSync(`/proc/${shown.pid}/status`, 'utf8').match(/^NSpid:\s+\d+\s+(\d+)$/m)?.[1], '1');
    const early = await runCli(['logs', 'ph-one']);
    assert.equal(early.stdout, '');

    const started = await runCli(['start', 'ph-one']);
    assert.equal(started.status, 0, started.stderr);
    assert.equal((await status('ph-one')).status, 'running');
    await waitFor('the command to write', async () => (await runCli(['logs', 'ph-one'])).stdout === 'output\n');
    const exec = await runCli(['exec', 'ph-one', 'cat', '/tmp/ran']);
    assert.equal(exec.stdout, 'ran\n');
    assert.equal((await runCli(['rm', '-f', 'ph-one'])).status, 0);
    names.delete('ph-one');
  });

  it('refuses to start what is not created, and removes a created container without -f', async () => {
    names.add('ph-two');
    assert.equal((await runCli(['create', '-M', 'ph-two', '-D', tree.root, 'sleep', '30'])).status, 0);
    const pid = (await status('ph-two')).pid;
    const removed = await runCli(['rm', 'ph-two']);
    assert.equal(removed.status, 0, removed.stderr);
    names.delete('ph-two');
    assert.equal(existsSync(`/proc/${pid}`), false, 'the held process is gone');
    const missing = await runCli(['start', 'ph-two']);
    assert.equal(missing.status, 125);
    assert.match(missing.stderr, /^ts-nspawn: no container named 'ph-two'/);
  });

  it('fails the create, not a later start, for a command that does not exist, leaving nothing', async () => {
    const result = await runCli(['create', '-M', 'ph-three', '-D', tree.root, '/no/such/command']);
    assert.equal(result.status, 127);
    assert.match(result.stderr, /^ts-nspawn: command '\/no\/such\/command' not found in the container/);
    assert.equal((await runCli(['status', 'ph-three'])).status, 125);
  });

  it('reports a start that failed in status', async () => {
    names.add('ph-four');
    await createContainer(buildSpec({ directory: tree.root, machine: 'ph-four', command: ['sleep', '30'] }));
    // Its barrier gone, the container cannot be started (a stopped one would be started again instead).
    rmSync(containerFile('ph-four', 'start'));
    await assert.rejects(startCreated('ph-four'), /starting container 'ph-four' failed: cannot open its start barrier/);
    const shown = await status('ph-four');
    assert.equal(shown.status, 'created');
    assert.equal(shown.error?.phase, 'start');
    assert.match((await runCli(['list'])).stdout, /^ph-four\s+created \(start failed\)/m);
    await removeContainer('ph-four', true);
    names.delete('ph-four');
  });
});
