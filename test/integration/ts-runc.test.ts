/**
 * ts-runc, the runc-compatible command line for engines, driven the way
 * podman's conmon and containerd's shim drive it: spec, create with a
 * pid file, state, start, kill, delete; run in the foreground and
 * detached; a terminal sent to a console socket. The same bundle under
 * runc (installed by the test set-up for comparison) gives states of the
 * same shape.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { consoleReceiver } from '../helpers/console-socket.js';
import { hasRunc, runtime, TS_RUNC } from '../helpers/oci-runtime.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

describe('ts-runc', () => {
  const tree = useBusyboxTree();
  let bundle: string;
  let stateRoot: string;
  const run = (args: string[]) => runtime(TS_RUNC, stateRoot, args, bundle);

  const writeConfig = (args: string[], terminal = false) => {
    rmSync(join(bundle, 'config.json'), { force: true });
    assert.equal(run(['spec']).status, 0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.root = { path: tree.root, readonly: true };
    config.process.terminal = terminal;
    config.process.args = args;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  };

  before(() => {
    bundle = join(tree.base, 'bundle');
    stateRoot = join(tree.base, 'state');
    mkdirSync(bundle);
  });
  after(() => {
    for (const id of run(['list', '-q']).stdout.split('\n').filter(Boolean)) run(['delete', '--force', id]);
  });

  it('prints a version engines parse, and refuses an unknown command in runc\'s words with status 1', () => {
    const version = run(['--version']);
    assert.match(version.stdout, /^ts-runc version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+\n/);
    const bad = run(['frobnicate']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^time="[^"]+" level=error msg="No help topic for 'frobnicate'"\n$/);
  });

  it('creates, reports, starts, kills and deletes a container; the process outlives the runtime', async () => {
    writeConfig(['/bin/sh', '-c', 'echo $$ > /dev/null; exec sleep 60']);
    const pidFile = join(tree.base, 'pid');
    const created = run(['create', '--bundle', bundle, '--pid-file', pidFile, 'one']);
    assert.equal(created.status, 0, created.stderr);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 1);
    const state = JSON.parse(run(['state', 'one']).stdout);
    assert.deepEqual({ id: state.id, status: state.status, pid: state.pid, bundle: state.bundle }, { id: 'one', status: 'created', pid, bundle });
    assert.equal(run(['start', 'one']).status, 0);
    assert.equal(JSON.parse(run(['state', 'one']).stdout).status, 'running');
    await waitFor('sleep to run', () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    const refused = run(['delete', 'one']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /cannot delete container one that is not stopped: running/);
    assert.equal(run(['kill', 'one', 'KILL']).status, 0);
    await waitFor('the container to stop', () => JSON.parse(run(['state', 'one']).stdout).status === 'stopped');
    assert.equal(run(['delete', 'one']).status, 0);
    assert.equal(run(['state', 'one']).status, 1);
    assert.equal(existsSync(join(stateRoot, 'one')), false);
  });

  it('runs in the foreground with the container\'s exit status and output, and detached', async () => {
    writeConfig(['/bin/sh', '-c', 'echo out; exit 7']);
    const foreground = run(['run', 'two']);
    assert.equal(foreground.status, 7, foreground.stderr);
    assert.equal(foreground.stdout, 'out\n');
    writeConfig(['sleep', '60']);
    assert.equal(run(['run', '--detach', 'three']).status, 0);
    assert.equal(JSON.parse(run(['state', 'three']).stdout).status, 'running');
    assert.equal(run(['delete', '--force', 'three']).status, 0);
    assert.equal(run(['list', '-q']).stdout, '');
  });

  it('works in the minimal environment engines call it with (no PATH, no HOME)', () => {
    writeConfig(['/bin/sh', '-c', 'exit 7']);
    const result = spawnSync('env', ['-i', TS_RUNC, '--root', stateRoot, 'run', 'minimal'], { cwd: bundle, encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 7, result.stderr);
    assert.equal(run(['list', '-q']).stdout, '');
  });

  it('sends the terminal to --console-socket and needs one for a terminal', async () => {
    writeConfig(['/bin/sh', '-c', 'tty; sleep 60'], true);
    const missing = run(['create', 'four']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no --console-socket/);
    const socket = join(tree.base, 'console.sock');
    const receiver = await consoleReceiver(socket);
    try {
      const created = run(['create', '--console-socket', socket, 'four']);
      assert.equal(created.status, 0, created.stderr);
      assert.equal(run(['start', 'four']).status, 0);
      await waitFor('the terminal line', () => /\/dev\/pts\/\d+ \/dev\/(pts\/0|console)/.test(receiver.output()));
    } finally {
      receiver.stop();
      run(['delete', '--force', 'four']);
    }
  });

  it('gives the same state shape as runc for the same bundle', { skip: !hasRunc() && 'runc is not installed' }, () => {
    writeConfig(['sleep', '60']);
    const runcRoot = join(tree.base, 'runc-state');
    const states: Array<Record<string, unknown>> = [];
    for (const [binary, root] of [[TS_RUNC, stateRoot], ['runc', runcRoot]] as const) {
      const created = runtime(binary, root, ['create', '--bundle', bundle, 'same'], bundle);
      assert.equal(created.status, 0, `${binary}: ${created.stderr}`);
      states.push(JSON.parse(runtime(binary, root, ['state', 'same']).stdout));
      assert.equal(runtime(binary, root, ['delete', '--force', 'same']).status, 0);
    }
    const [ours, theirs] = states as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
    assert.deepEqual([ours.status, ours.bundle, ours.id], [theirs.status, theirs.bundle, theirs.id]);
  });
});
