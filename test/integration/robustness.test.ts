/**
 * Issue 11 with real containers: a tampered record never turns a verb
 * against the host (F1: a decoy process planted as the container's PID 1
 * survives stop, kill and rm -f), and a container is never forgotten while
 * it runs (F6: rm and gc refuse, list does not stall, rm -f ends it).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';
import { identify, processStartTime } from '../../src/state/process-identity.js';
import { waitFor } from '../helpers/wait.js';

const STATE = '/run/ts-nspawn';

interface Stored {
  pid: number;
  status: string;
  init?: { pid: number; startTime: string };
  supervisor?: { pid: number; startTime: string };
  [key: string]: unknown;
}

function stored(name: string): Stored {
  return JSON.parse(readFileSync(`${STATE}/${name}/state.json`, 'utf8')) as Stored;
}

function tamper(name: string, change: (record: Stored) => Stored): void {
  writeFileSync(`${STATE}/${name}/state.json`, JSON.stringify(change(stored(name))));
}

function assertOneLine(result: CliResult, pattern: RegExp): void {
  assert.equal(result.status, 125, result.stderr);
  assert.match(result.stderr, /^ts-nspawn: [^\n]+\n$/);
  assert.match(result.stderr, pattern);
}

const alive = (identity: { pid: number; startTime: string } | undefined) => identity !== undefined && processStartTime(identity.pid) === identity.startTime;

describe('robustness against tampered state', () => {
  let tree: TestRoot;
  let state: HostState;
  let decoy: ChildProcess;
  const started = new Set<string>();

  const detach = async (name: string, ...command: string[]) => {
    started.add(name);
    const result = await runCli(['run', '-d', '-M', name, '-D', tree.root, ...command]);
    assert.equal(result.status, 0, result.stderr);
    return stored(name);
  };

  before(() => {
    tree = makeBusyboxRoot();
    state = hostState();
    decoy = spawn('sleep', ['1000'], { stdio: 'ignore' });
  });
  after(async () => {
    try {
      for (const name of started) await runCli(['rm', '-f', name]);
      decoy.kill('SIGKILL');
      await assertHostUnchanged(state);
    } finally {
      tree.remove();
    }
  });

  it('F1: a decoy planted as PID 1 survives stop, kill and rm -f; rm -f still ends the real container', async () => {
    const real = await detach('rb-f1', 'sleep', '1000');
    const planted = identify(decoy.pid!)!;
    tamper('rb-f1', (record) => ({ ...record, pid: planted.pid, init: planted }));

    assertOneLine(await runCli(['stop', '--timeout', '1', 'rb-f1']), /not in a PID namespace of its own/);
    assertOneLine(await runCli(['kill', 'rb-f1', 'KILL']), /not in a PID namespace of its own/);
    assertOneLine(await runCli(['kill', '--all', 'rb-f1', 'KILL']), /not in a PID namespace of its own/);
    assertOneLine(await runCli(['rm', 'rb-f1']), /still run.*rm -f rb-f1/);
    assert.ok(alive(planted), 'the decoy must survive stop, kill and rm');
    assert.ok(alive(real.init), 'the container itself still runs');

    const removed = await runCli(['rm', '-f', 'rb-f1']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.ok(alive(planted), 'the decoy must survive rm -f');
    assert.ok(!alive(real.init), "rm -f ended the container's real init (through its cgroup)");
    assert.equal((await runCli(['status', 'rb-f1'])).status, 125);
  });

  it('kill --all reaches every process of the container through its cgroup', async () => {
    const record = await detach('rb-all', '/bin/sh', '-c', "trap '' TERM; sleep 1000 & sleep 1000 & wait");
    assert.equal((await runCli(['kill', '--all', 'rb-all', 'KILL'])).status, 0);
    await waitFor('the container to end', () => !alive(record.init));
    assert.ok(alive(identify(decoy.pid!)), 'the decoy lives on');
    assert.equal((await runCli(['rm', 'rb-all'])).status, 0);
  });

  it('F6: a running container recorded as stopped, or with a dead monitor, is not forgotten', async () => {
    const record = await detach('rb-f6', 'sleep', '1000');
    tamper('rb-f6', (r) => ({ ...r, status: 'stopped', pid: 0 }));
    assertOneLine(await runCli(['rm', 'rb-f6']), /cannot remove container 'rb-f6': \d+ of its processes still run .*rm -f rb-f6/);
    const gc = await runCli(['gc']);
    assert.equal(gc.status, 0, gc.stderr);
    assert.doesNotMatch(gc.stdout, /rb-f6/);
    assert.match(gc.stderr, /^ts-nspawn: kept: cannot remove container 'rb-f6': 1 of its processes still run \(PID \d+\).*rm -f rb-f6$/m);
    assert.ok(alive(record.init), 'the container still runs');

    // A monitor that looks dead (its identity no longer holds): list must neither stall nor release.
    tamper('rb-f6', (r) => ({ ...r, status: 'running', pid: record.pid, supervisor: { pid: decoy.pid!, startTime: '1' } }));
    const begin = Date.now();
    const list = await runCli(['list']);
    assert.equal(list.status, 0, list.stderr);
    assert.ok(Date.now() - begin < 2000, `list took ${Date.now() - begin} ms`);
    assert.match(list.stdout, /^rb-f6\s+running/m);
    assertOneLine(await runCli(['rm', 'rb-f6']), /still run/);
    assert.ok(alive(record.init));

    const removed = await runCli(['rm', '-f', 'rb-f6']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.ok(!alive(record.init));
  });

  it('F4: a corrupt config.json makes exec fail in one line, and the container can still be removed', async () => {
    await detach('rb-f4', 'sleep', '1000');
    writeFileSync(`${STATE}/rb-f4/config.json`, '{"ociVersion": "1.2.0", "root": {"path": "/"}, "linux": {"namespaces": []}}');
    assertOneLine(await runCli(['exec', 'rb-f4', '/bin/true']), /container 'rb-f4' is corrupt: config\.json has no PID namespace/);
    writeFileSync(`${STATE}/rb-f4/config.json`, '{"ociVersion": "1.2');
    assertOneLine(await runCli(['exec', 'rb-f4', '/bin/true']), /config\.json is not valid JSON/);
    assert.equal((await runCli(['rm', '-f', 'rb-f4'])).status, 0);
  });

  it('a corrupt record whose cgroup holds processes is never deleted', async () => {
    const record = await detach('rb-corrupt', 'sleep', '1000');
    writeFileSync(`${STATE}/rb-corrupt/state.json`, '[]');
    const list = await runCli(['list']);
    assert.match(list.stdout, /^rb-corrupt\s+corrupt/m);
    assertOneLine(await runCli(['status', 'rb-corrupt']), /is corrupt: state\.json is not a JSON object/);
    assertOneLine(await runCli(['rm', 'rb-corrupt']), /still run/);
    assert.equal((await runCli(['gc'])).status, 0);
    assert.ok(alive(record.init));
    assert.equal((await runCli(['rm', '-f', 'rb-corrupt'])).status, 0, 'rm -f kills it through its cgroup');
    assert.ok(!alive(record.init));
  });
});
