/**
 * A detached container's monitor never waits for an attach client: one
 * whose terminal stops reading is dropped while the log, reaping and `stop`
 * go on. Only the monitor's own user may attach, and a signal that ends
 * `ts-nspawn attach` ends its client too.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { containerFile } from '../../src/state/paths.js';
import { CLI, collect, runCli } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';
import { waitFor } from '../helpers/wait.js';

const EXECUTOR = fileURLToPath(new URL('../../build/ts-nspawn-executor', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** The PIDs of PID's children. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('monitor', () => {
  let tree: TestRoot;
  let state: HostState;
  const started = new Set<string>();
  const clients: ChildProcess[] = [];

  const detach = async (name: string, ...command: string[]) => {
    const result = await runCli(['run', '-d', '-t', '-M', name, '-D', tree.root, ...command]);
    assert.equal(result.status, 0, result.stderr);
    started.add(name);
  };

  before(() => {
    tree = makeBusyboxRoot();
    state = hostState();
  });
  after(async () => {
    try {
      for (const client of clients) client.kill('SIGKILL');
      for (const name of started) await runCli(['rm', '-f', name]);
      await assertHostUnchanged(state);
    } finally {
      tree.remove();
    }
  });

  it('drops an attach client that never reads, while the container writes megabytes; stop still works', async () => {
    await detach('mon-slow', '/bin/sh', '-c', 'read go; head -c 4000000 /dev/zero | tr "\\0" x; echo; echo all-written; exec sleep 60');
    // stdout is a pipe nobody reads: once it is full, the terminal takes nothing more.
    const client = spawn(CLI, ['attach', 'mon-slow'], { stdio: ['pipe', 'pipe', 'pipe'] });
    clients.push(client);
    let stderr = '';
    client.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => client.on('close', resolve));
    await waitFor('the client', () => client.pid !== undefined && childrenOf(client.pid).length > 0, 20_000);
    client.stdin?.write('go\r');
    await waitFor('the whole output in the log', async () => (await runCli(['logs', '-n', '1', 'mon-slow'])).stdout.includes('all-written'), 20_000);
    const begin = Date.now();
    const stop = await runCli(['stop', '--timeout', '2', 'mon-slow']);
    assert.equal(stop.status, 0, stop.stderr);
    assert.ok(Date.now() - begin < 8000, `stop took ${Date.now() - begin} ms`);
    client.stdout?.resume();
    assert.equal(await exited, 125, stderr);
    assert.match(stderr, /did not keep up/);
  });

  it("refuses an attach client of another user, even through a socket it may open", async () => {
    await detach('mon-peer', 'sleep', '60');
    const socket = containerFile('mon-peer', 'attach');
    await waitFor('the attach socket', () => existsSync(socket), 20_000);
    chmodSync(socket, 0o666);
    // CAP_DAC_READ_SEARCH only to reach the executor wherever the checkout is.
    const reach = ['--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search'];
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...reach, '--', EXECUTOR, 'attach', socket]);
    const result = await collect(child, { timeoutMs: 10_000 });
    assert.equal(result.status, 125, result.stderr);
    assert.match(result.stderr, /refused: the monitor accepts only its own user/);
  });

  it('ends the attach client, and so the attachment, when ts-nspawn attach gets SIGTERM', async () => {
    await detach('mon-term', '/bin/sh');
    const cli = spawn(CLI, ['attach', 'mon-term'], { stdio: ['pipe', 'pipe', 'pipe'] });
    clients.push(cli);
    let output = '';
    cli.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const closed = new Promise((resolve) => cli.on('close', resolve));
    await waitFor('the client', () => cli.pid !== undefined && childrenOf(cli.pid).length > 0, 20_000);
    cli.stdin?.write('echo "attached-$((2+3))"\r');
    await waitFor('the console', () => output.includes('attached-5'), 20_000);
    const [client] = childrenOf(cli.pid ?? 0);
    assert.ok(client);
    cli.kill('SIGTERM');
    await closed;
    await waitFor('the attach client to end', () => !alive(client), 5000);
    // The monitor let go: a new client gets the console.
    const again = spawn(CLI, ['attach', 'mon-term'], { stdio: ['pipe', 'pipe', 'pipe'] });
    clients.push(again);
    let more = '';
    again.stdout?.setEncoding('utf8').on('data', (chunk: string) => (more += chunk));
    await waitFor('the client', () => again.pid !== undefined && childrenOf(again.pid).length > 0, 20_000);
    again.stdin?.write('echo "again-$((3+4))"\r');
    await waitFor('the console again', () => more.includes('again-7'), 20_000);
    again.kill('SIGTERM');
  });
});
