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

  /** ts-runc, and runc where it can be compared, each with a state directory of its own. */
  const runtimes = () => [
    { name: 'ts-runc', run },
    ...(hasRunc() ? [{ name: 'runc', run: (args: string[]) => runtime('runc', join(tree.base, 'runc-state'), args, bundle) }] : []),
  ];
  /** The status and the error message (runc's msg="..."), as engines read them. */
  const outcome = (result: { status: number | null; stderr: string }) => [result.status, /msg="((?:[^"\\]|\\.)*)"/.exec(result.stderr)?.[1] ?? ''];

  it('answers every verb on an unknown ID as runc does: "container does not exist", status 1 (exec: 255)', () => {
    const verbs = [['state'], ['start'], ['kill'], ['kill', '--all'], ['delete'], ['ps'], ['pause'], ['resume'], ['events', '--stats'], ['update'], ['update', '--memory', '10m']];
    for (const rt of runtimes()) {
      for (const verb of verbs) assert.deepEqual(outcome(rt.run([...verb, 'nobody'])), [1, 'container does not exist'], `${rt.name} ${verb.join(' ')}`);
      assert.deepEqual(outcome(rt.run(['exec', 'nobody', 'true'])), [255, 'exec failed: container does not exist'], `${rt.name} exec`);
      // Engines delete with --force to make sure: nothing there is fine.
      assert.deepEqual(outcome(rt.run(['delete', '--force', 'nobody'])), [0, '']);
    }
  });

  it('answers verbs in the wrong state as runc does; kill of a created container ends it (SIGTERM too), events see it', async () => {
    writeConfig(['sleep', '60']);
    const results = new Map<string, unknown>();
    for (const rt of runtimes()) {
      const state = (id: string) => JSON.parse(rt.run(['state', id]).stdout).status as string;
      try {
        assert.equal(rt.run(['create', 'w-created']).status, 0);
        const events = rt.run(['events', '--stats', 'w-created']);
        const killCreated = outcome(rt.run(['kill', 'w-created', 'TERM']));
        await waitFor(`${rt.name}'s created container to end on SIGTERM`, () => state('w-created') === 'stopped');
        assert.equal(rt.run(['run', '--detach', 'w-running']).status, 0);
        const startRunning = outcome(rt.run(['start', 'w-running']));
        assert.equal(rt.run(['pause', 'w-running']).status, 0);
        const startPaused = outcome(rt.run(['start', 'w-running']));
        assert.equal(rt.run(['resume', 'w-running']).status, 0);
        assert.equal(rt.run(['kill', 'w-running', 'KILL']).status, 0);
        await waitFor(`${rt.name}'s container to stop`, () => state('w-running') === 'stopped');
        results.set(rt.name, {
          events: [events.status, JSON.parse(events.stdout || '{}').type],
          killCreated,
          startCreatedStopped: outcome(rt.run(['start', 'w-created'])),
          startRunning,
          startPaused,
          killStopped: outcome(rt.run(['kill', 'w-running'])),
          killAllStopped: outcome(rt.run(['kill', '--all', 'w-running', 'KILL'])),
          updateStopped: outcome(rt.run(['update', '--memory', '10m', 'w-running'])),
          pauseStopped: outcome(rt.run(['pause', 'w-running'])),
        });
      } finally {
        rt.run(['delete', '--force', 'w-created']);
        rt.run(['delete', '--force', 'w-running']);
      }
    }
    const expected = {
      events: [0, 'stats'],
      killCreated: [0, ''],
      startCreatedStopped: [1, 'cannot start a container that has stopped'],
      startRunning: [1, 'cannot start an already running container'],
      startPaused: [1, 'cannot start a container in the paused state'],
      killStopped: [1, 'container not running'],
      killAllStopped: [0, ''],
      updateStopped: [1, 'container not running'],
      pauseStopped: [1, 'container not running'],
    };
    for (const [name, value] of results) assert.deepEqual(value, expected, name);
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
