/**
 * The spec's hooks (runtime-spec config.md, the lifecycle of runtime.md)
 * through ts-runc's create/start/delete and the library's runContainer:
 * each hook appends a line to a log (its name, the state it read on stdin,
 * the namespaces it ran in), so the tests check the order, the state, the
 * place each ran in, and -- comparing with runc on the same bundle -- the
 * sequence runc gives. Failing and timed-out hooks fail the operation and
 * leave nothing behind.
 *
 * Every hook is the tree's busybox run under the name `sh`: busybox picks
 * its applet by argv[0], so it runs at all only if `args[0]` is passed as
 * the program's name while `path` is what is executed.
 */
import { hasRunc, runtime } from '../helpers/oci-runtime.js';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runContainer } from '../../src/index.js';
import { useBusyboxTree } from '../helpers/suite.js';

const TS_RUNC = fileURLToPath(new URL('../../bin/ts-runc', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}


type HookName = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';
const ALL: HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

interface Line {
  name: string;
  state: { status: string; id: string; pid?: number; bundle: string };
  mnt: string;
  uid: string;
  marker: boolean;
}

describe('OCI hooks', () => {
  const tree = useBusyboxTree();
  let bundle: string;
  let stateRoot: string;
  let logDir: string;
  const run = (args: string[]) => runtime(TS_RUNC, stateRoot, args, bundle);
  const log = () => join(logDir, 'log');
  const lines = (): Line[] =>
    existsSync(log())
      ? readFileSync(log(), 'utf8').trim().split('\n').filter(Boolean).map((line) => {
          const [name = '', mnt = '', uid = '', marker = '', ...state] = line.split(' ');
          return { name, mnt, uid, marker: marker === 'marker', state: JSON.parse(state.join(' ')) };
        })
      : [];

  /** One hook: `sh -c` of the busybox at `busybox` (a host path, or the container's for startContainer). */
  const hook = (name: string, busybox: string, logPath: string, extra = '', timeout?: number) => ({
    path: busybox,
    args: ['sh', '-c', `${extra}state=$(cat); echo "${name} $(readlink /proc/self/ns/mnt) $(id -u) $(test -e /hook-marker && echo marker || echo none) $state" >> ${logPath}`],
    env: ['PATH=/bin:/usr/bin'],
    ...(timeout ? { timeout } : {}),
  });

  /** The bundle's config: every hook logging, plus `overrides` for some. */
  const writeConfig = (args: string[], overrides: Partial<Record<HookName, object[]>> = {}) => {
    rmSync(join(bundle, 'config.json'), { force: true });
    assert.equal(run(['spec']).status, 0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.root = { path: tree.root, readonly: true };
    config.process.terminal = false;
    config.process.args = args;
    config.process.user = { uid: 1000, gid: 1000 };
    config.mounts.push({ destination: '/hooklog', type: 'bind', source: logDir, options: ['rbind', 'rw'] });
    const hostBusybox = join(tree.root, 'bin/busybox');
    config.hooks = Object.fromEntries(
      ALL.map((name) => [name, overrides[name] ?? [name === 'startContainer' ? hook(name, '/bin/busybox', '/hooklog/log') : hook(name, hostBusybox, log())]]),
    );
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    return config;
  };

  before(() => {
    bundle = join(tree.base, 'bundle');
    stateRoot = join(tree.base, 'state');
    logDir = join(tree.base, 'logs');
    mkdirSync(bundle);
    mkdirSync(logDir, { mode: 0o777 });
    // Only the container's root has it: tells where a hook's files come from.
    writeFileSync(join(tree.root, 'hook-marker'), '');
  });
  /** An empty log that the container's user may append to too. */
  const resetLog = () => {
    writeFileSync(log(), '');
    chmodSync(log(), 0o666);
  };
  beforeEach(resetLog);
  after(() => {
    for (const id of run(['list', '-q']).stdout.split('\n').filter(Boolean)) run(['delete', '--force', id]);
  });

  it('runs every hook in order, each with the state on stdin, in the namespaces the spec says', () => {
    writeConfig(['/bin/sh', '-c', 'exec sleep 60']);
    const pidFile = join(tree.base, 'pid');
    const created = run(['create', '--bundle', bundle, '--pid-file', pidFile, 'h1']);
    assert.equal(created.status, 0, created.stderr);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.deepEqual(lines().map((line) => line.name), ['prestart', 'createRuntime', 'createContainer']);
    assert.equal(run(['start', 'h1']).status, 0);
    assert.deepEqual(lines().map((line) => line.name), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart']);
    assert.equal(run(['kill', 'h1', 'KILL']).status, 0);
    spawnSync('sh', ['-c', `while [ -e /proc/${pid} ]; do sleep 0.05; done`], { timeout: 10_000 });
    assert.equal(run(['delete', 'h1']).status, 0);
    const all = lines();
    assert.deepEqual(all.map((line) => line.name), ALL);
    assert.deepEqual(all.map((line) => line.state.status), ['creating', 'creating', 'creating', 'created', 'running', 'stopped']);
    for (const line of all) assert.deepEqual([line.state.id, line.state.bundle], ['h1', bundle]);
    for (const line of all.slice(0, 5)) assert.equal(line.state.pid, pid);
    assert.equal(all[5]!.state.pid, undefined);
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    const byName = Object.fromEntries(all.map((line) => [line.name, line]));
    // Runtime namespace, as root of the host.
    for (const name of ['prestart', 'createRuntime', 'poststart', 'poststop']) {
      assert.deepEqual([byName[name]!.mnt, byName[name]!.uid, byName[name]!.marker], [hostMnt, '0', false], name);
    }
    // createContainer: the container's mount namespace before pivot_root (the host's files), as root.
    assert.notEqual(byName.createContainer!.mnt, hostMnt);
    assert.deepEqual([byName.createContainer!.uid, byName.createContainer!.marker], ['0', false]);
    // startContainer: inside the container's root, as its process (uid 1000).
    assert.equal(byName.startContainer!.mnt, byName.createContainer!.mnt);
    assert.deepEqual([byName.startContainer!.uid, byName.startContainer!.marker], ['1000', true]);
  });

  it('gives the same create and delete hooks and states as runc for the same bundle', { skip: !hasRunc() && 'no runc to compare with here' }, () => {
    // runc 1.1 (Debian 12's) also runs poststart at `create`, with status created: runtime-spec has it
    // after the command started, as part of `start`, where ts-runc runs it (the first test).
    writeConfig(['/bin/true']);
    const sequences: string[][] = [];
    for (const [binary, root] of [[TS_RUNC, stateRoot], ['runc', join(tree.base, 'runc-state')]] as const) {
      resetLog();
      const created = runtime(binary, root, ['create', 'same'], bundle);
      assert.equal(created.status, 0, `${binary}: ${created.stderr}`);
      assert.equal(runtime(binary, root, ['delete', '--force', 'same']).status, 0);
      sequences.push(lines().map((line) => `${line.name}:${line.state.status}`));
    }
    assert.deepEqual(sequences[0], sequences[1]!.filter((entry) => !entry.startsWith('poststart:')));
    assert.deepEqual(sequences[0], ['prestart:creating', 'createRuntime:creating', 'createContainer:creating', 'poststop:stopped']);
  });

  it('fails create when a createContainer hook fails, says why, runs poststop and leaves nothing', () => {
    const hostBusybox = join(tree.root, 'bin/busybox');
    writeConfig(['/bin/true'], { createContainer: [{ path: hostBusybox, args: ['sh', '-c', 'echo no GPU here >&2; exit 3'] }] });
    const created = run(['create', 'h2']);
    assert.equal(created.status, 1);
    assert.match(created.stderr, /createContainer hook #0 \(\/[^)]*busybox\) failed: exit status 3: no GPU here/);
    assert.deepEqual(lines().map((line) => line.name), ['prestart', 'createRuntime', 'poststop']);
    assert.equal(existsSync(join(stateRoot, 'h2')), false);
    assert.equal(run(['list', '-q']).stdout, '');
  });

  it('kills a hook that runs past its timeout and fails create', () => {
    const hostBusybox = join(tree.root, 'bin/busybox');
    writeConfig(['/bin/true'], { createRuntime: [hook('createRuntime', hostBusybox, log(), 'sleep 30 & echo $! > ' + join(logDir, 'sleeper') + '; wait; ', 1)] });
    const started = Date.now();
    const created = run(['create', 'h3']);
    assert.equal(created.status, 1);
    assert.ok(Date.now() - started < 10_000, 'the timeout of 1 s was kept');
    assert.match(created.stderr, /createRuntime hook #0 .* ran past its timeout of 1 s and was killed/);
    // The hook's own children went with it (its process group).
    const sleeper = Number(readFileSync(join(logDir, 'sleeper'), 'utf8'));
    spawnSync('sh', ['-c', `for i in $(seq 50); do [ -e /proc/${sleeper} ] || exit 0; sleep 0.1; done`], { timeout: 10_000 });
    assert.equal(existsSync(`/proc/${sleeper}`), false);
    assert.equal(existsSync(join(stateRoot, 'h3')), false);
  });

  it('fails start when a startContainer hook fails: the container is stopped, delete runs poststop', () => {
    writeConfig(['/bin/sh', '-c', 'exec sleep 60'], { startContainer: [{ path: '/bin/busybox', args: ['false'] }] });
    assert.equal(run(['create', 'h4']).status, 0);
    const started = run(['start', 'h4']);
    assert.equal(started.status, 1);
    assert.match(started.stderr, /startContainer hook #0 \(\/bin\/busybox\) failed: exit status 1/);
    spawnSync('sh', ['-c', 'sleep 0.3']);
    assert.equal(JSON.parse(run(['state', 'h4']).stdout).status, 'stopped');
    assert.equal(run(['delete', 'h4']).status, 0);
    assert.deepEqual(lines().map((line) => line.name), ['prestart', 'createRuntime', 'createContainer', 'poststop']);
  });

  it('fails start when a poststart hook fails (runtime-spec 1.3, runc): the running command is stopped', () => {
    writeConfig(['/bin/sh', '-c', 'exec sleep 60'], { poststart: [{ path: '/bin/sh', args: ['sh', '-c', 'echo refused >&2; exit 9'] }] });
    const pidFile = join(tree.base, 'pid-h8');
    assert.equal(run(['create', '--pid-file', pidFile, 'h8']).status, 0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const started = run(['start', 'h8']);
    assert.equal(started.status, 1);
    assert.match(started.stderr, /poststart hook #0 \(\/bin\/sh\) failed: exit status 9: refused/);
    spawnSync('sh', ['-c', `for i in $(seq 50); do [ -e /proc/${pid} ] || exit 0; sleep 0.1; done`], { timeout: 10_000 });
    assert.equal(existsSync(`/proc/${pid}`), false, 'the command was killed');
    assert.equal(JSON.parse(run(['state', 'h8']).stdout).status, 'stopped');
    assert.equal(run(['delete', 'h8']).status, 0);
    assert.deepEqual(lines().map((line) => line.name), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststop']);
  });

  it('reports a hook that does not exist, and only warns about a failing poststop hook', () => {
    writeConfig(['/bin/true'], { prestart: [{ path: '/nonexistent/hook' }] });
    const created = run(['create', 'h5']);
    assert.equal(created.status, 1);
    assert.match(created.stderr, /prestart hook #0 \(\/nonexistent\/hook\) failed: it does not exist/);
    writeConfig(['/bin/sh', '-c', 'exec sleep 60'], { poststop: [{ path: '/bin/false' }] });
    assert.equal(run(['create', 'h6']).status, 0);
    const deleted = run(['delete', '--force', 'h6']);
    assert.equal(deleted.status, 0);
    assert.match(deleted.stderr, /level=warning msg="poststop hook #0 \(\/bin\/false\) failed: exit status 1"/);
  });

  it('runs them through the library too: runContainer stops at both hook points', async () => {
    const config = writeConfig(['/bin/sh', '-c', 'echo "command - - none {}" >> /hooklog/log']);
    const status = await runContainer({ ...config, root: { path: tree.root, readonly: true } }, { name: 'h7', stdio: 'ignore' });
    assert.equal(status.status, 0);
    const names = lines().map((line) => line.name);
    // The command's line comes after startContainer's (poststart may run before or after it).
    assert.deepEqual(names.filter((name) => name !== 'command'), ALL);
    assert.ok(names.indexOf('command') > names.indexOf('startContainer'));
    assert.equal(lines().find((line) => line.name === 'poststop')!.state.id, 'h7');
  });
});
