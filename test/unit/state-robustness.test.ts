/**
 * Stored state and names are untrusted (issue 11): names checked before
 * they become paths, records parsed against a schema and read without
 * following links or blocking, signals only through verified pidfds.
 * Library level, against a temporary state directory; no containers.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerError } from '../../src/errors.js';
import { quote } from '../../src/quote.js';
import { initProblem, inContainerCgroup, signalProcess } from '../../src/runtime/container-processes.js';
import {
  collectGarbage,
  killContainer,
  listEntries,
  reconcile,
  removeContainer,
  requireContainer,
  requireRunning,
  stopContainer,
} from '../../src/runtime/lifecycle.js';
import { checkName, isValidName } from '../../src/state/names.js';
import { identify, processStartTime } from '../../src/state/process-identity.js';
import { readRecordFile } from '../../src/state/read.js';
import type { ContainerRecord } from '../../src/state/record.js';
import { isOwnCgroupPath, parseExitFile, stateProblem, storedSpecProblem } from '../../src/state/schema.js';
import { claimName, readState, readStoredSpec } from '../../src/state/store.js';
import { makeTempDir, useTemporaryStateDir } from './helpers/index.js';

const state = useTemporaryStateDir();
const outside = makeTempDir('ts-nspawn-decoy-');
after(() => {
  state.remove();
  outside.remove();
});

/** A decoy process: nothing may signal it. */
function decoy(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  return child as ChildProcess & { pid: number };
}

function record(id: string, overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    ociVersion: '1.2.0',
    id,
    status: 'running',
    pid: 0,
    bundle: '/srv/root',
    annotations: {},
    created: '2024-01-01T00:00:00.000Z',
    command: ['/bin/sh'],
    console: false,
    detached: true,
    boot: false,
    addresses: [],
    hostInterfaces: [],
    cgroups: [],
    ...overrides,
  };
}

function plant(name: string, files: Record<string, string | object>): string {
  const directory = join(state.path, name);
  mkdirSync(directory, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(join(directory, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return directory;
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ContainerError, `expected a ContainerError, got ${String(error)}`);
    assert.equal(error.exitCode, 125);
    assert.equal((error as ContainerError & { code?: string }).code, code, error.message);
    assert.doesNotMatch(error.message, /\n/);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

describe('quote', () => {
  it('keeps a message on one line and shows control characters and bad bytes', () => {
    assert.equal(quote('fz\n'), "'fz\\n'");
    assert.equal(quote('a\tb\x1b[31m'), "'a\\tb\\x1b[31m'");
    assert.equal(quote('caf\ufffd'), "'caf\\u{fffd}'");
    assert.equal(quote("it's"), "'it\\'s'");
    assert.equal(quote('\u2028'), "'\\u{2028}'");
  });
});

describe('names', () => {
  it('accepts machine names and refuses paths', () => {
    for (const good of ['web', 'tree-2', 'a.b', 'A1', 'x'.repeat(255), 'a_b+c', 'f'.repeat(64), 'a..b']) assert.ok(isValidName(good), good);
    for (const bad of ['', '..', '.', '.x', 'a/b', '/../../x', 'x'.repeat(256), 'a b', 'fz\n', 'é', 'a:b', '\ud800']) {
      assert.ok(!isValidName(bad), bad);
      assert.throws(() => checkName(bad), (error: unknown) => error instanceof ContainerError && (error as { code?: string }).code === 'invalid-name');
    }
  });

  it('F2: rm of a path name is refused and the directory survives', async () => {
    const victim = join(outside.path, 'victim');
    mkdirSync(victim, { recursive: true });
    writeFileSync(join(victim, 'state.json'), JSON.stringify(record('victim', { status: 'stopped' })));
    const relative = `/../../..${victim}`;
    await rejectsWith(removeContainer(relative), 'invalid-name');
    await rejectsWith(removeContainer(relative, true), 'invalid-name');
    await rejectsWith(requireContainer('../victim'), 'invalid-name');
    assert.ok(existsSync(join(victim, 'state.json')));
  });

  it('F2: a machine name that is a path, "a/b" or ".." is refused before any directory is made or reclaimed', async () => {
    for (const name of ['/../../victim', 'a/b', '..']) {
      await rejectsWith(claimName(name, true, async () => assert.fail('onTaken must not be asked')), 'invalid-name', /machine name/);
    }
    assert.ok(existsSync(join(outside.path, 'victim', 'state.json')));
  });

  it('F2: a state.json whose id is a path is corrupt, and gc leaves the path alone', async () => {
    const victim = join(outside.path, 'victim');
    plant('idpath', { 'state.json': record(`../../..${victim}`, { status: 'stopped' }) });
    assert.equal(readState('idpath').kind, 'corrupt');
    await collectGarbage();
    assert.ok(existsSync(join(victim, 'state.json')));
  });
});

describe('record schema', () => {
  it('accepts what the runtime writes', () => {
    assert.equal(stateProblem(record('ok', { pid: 4321, init: { pid: 4321, startTime: '1' }, hostInterfaces: ['vb-ok'], cgroups: ['/sys/fs/cgroup/user.slice/ts-nspawn/ok'] }), 'ok'), undefined);
  });

  it('refuses PIDs that are not a process of the container, foreign veths and cgroups', () => {
    const problems = [
      record('c', { pid: -1 }),
      record('c', { pid: 1, init: { pid: 1, startTime: '1' } }),
      record('c', { pid: 1.5 }),
      record('c', { pid: 5, init: { pid: 6, startTime: '1' } }),
      record('c', { init: { pid: 0, startTime: '1' } }),
      record('c', { supervisor: { pid: 7, startTime: '1; rm -rf /' } }),
      record('c', { hostInterfaces: ['eth0'] }),
      record('c', { cgroups: ['/some/dir'] }),
      record('c', { cgroups: ['/sys/fs/cgroup/ts-nspawn/../../x/c'] }),
      record('c', { cgroups: ['/sys/fs/cgroup/ts-nspawn/other'] }),
      record('other'),
      { ...record('c'), status: 'paused' },
      { ...record('c'), command: 'sh' },
    ].map((value) => stateProblem(value, 'c'));
    for (const problem of problems) assert.ok(problem, 'must be refused');
    for (const value of [{}, [], 42, null, 'x']) assert.ok(stateProblem(value, 'c'));
  });

  it('checks cgroup paths against the runtime naming rule', () => {
    assert.ok(isOwnCgroupPath('/sys/fs/cgroup/ts-nspawn/web', 'web'));
    assert.ok(isOwnCgroupPath('/sys/fs/cgroup/cpu/user.slice/ts-nspawn/web', 'web'));
    assert.ok(!isOwnCgroupPath('/sys/fs/cgroup/ts-nspawn/web/', 'web'));
    assert.ok(!isOwnCgroupPath('sys/fs/cgroup/ts-nspawn/web', 'web'));
    assert.ok(!isOwnCgroupPath('/some/dir', 'web'));
    assert.ok(!isOwnCgroupPath('/ts-nspawn/../web', 'web'));
  });

  it('parses only well-formed exit files', () => {
    assert.deepEqual(parseExitFile('0 9\n'), { exitCode: null, signal: 9, status: 137 });
    assert.deepEqual(parseExitFile('3 0'), { exitCode: 3, signal: null, status: 3 });
    for (const bad of ['', '1', '-1 0', '256 0', '0 65', '1 0\n\n', 'x y', '1e3 0']) assert.equal(parseExitFile(bad), undefined, bad);
  });

  it('checks a stored config.json before exec uses it (F4, F12)', () => {
    const good = { ociVersion: '1.2.0', root: { path: '/r' }, process: { args: ['/bin/sh'], cwd: '/', user: { uid: 0, gid: 0 } }, linux: { namespaces: [{ type: 'pid' }] } };
    assert.equal(storedSpecProblem(good), undefined);
    assert.ok(storedSpecProblem({ ...good, linux: { namespaces: [] } }));
    assert.ok(storedSpecProblem({ ...good, process: { ...good.process, args: 'sh' } }));
    assert.ok(storedSpecProblem(null));
    plant('badconfig', { 'config.json': '{"ociVersion": "1.2' });
    assert.throws(() => readStoredSpec('badconfig'), (error: unknown) => error instanceof ContainerError && /config\.json is not valid JSON/.test(error.message));
  });
});

describe('reading record files', () => {
  it('F5: a FIFO, a symlink, a directory or a huge file is refused at once, never followed or waited on', () => {
    const dir = makeTempDir();
    try {
      spawnSync('mkfifo', [join(dir.path, 'fifo')]);
      symlinkSync('/etc/hostname', join(dir.path, 'link'));
      mkdirSync(join(dir.path, 'dir'));
      writeFileSync(join(dir.path, 'huge'), Buffer.alloc(2 << 20, 0x20));
      writeFileSync(join(dir.path, 'latin1'), Buffer.from([0x7b, 0xe9, 0x7d]));
      const started = Date.now();
      assert.match(String((readRecordFile(join(dir.path, 'fifo'), 1 << 20) as { reason: string }).reason), /FIFO/);
      assert.match(String((readRecordFile(join(dir.path, 'link'), 1 << 20) as { reason: string }).reason), /symlink/);
      assert.match(String((readRecordFile(join(dir.path, 'dir'), 1 << 20) as { reason: string }).reason), /directory/);
      assert.match(String((readRecordFile(join(dir.path, 'huge'), 1 << 20) as { reason: string }).reason), /too large/);
      assert.match(String((readRecordFile(join(dir.path, 'latin1'), 1 << 20) as { reason: string }).reason), /UTF-8/);
      assert.ok(Date.now() - started < 1000);
    } finally {
      dir.remove();
    }
  });

  it('F4/F5: list, status and gc report a corrupt record in one line and go on', async () => {
    plant('fifo', {});
    spawnSync('mkfifo', [join(state.path, 'fifo', 'state.json')]);
    plant('empty-object', { 'state.json': '{}' });
    plant('array', { 'state.json': '[]' });
    plant('number', { 'state.json': '42' });
    plant('wrongtype', { 'state.json': { ...record('wrongtype'), addresses: 5 } });
    symlinkSync(join(outside.path), join(state.path, 'linkdir'));
    const entries = await listEntries();
    for (const name of ['fifo', 'empty-object', 'array', 'number', 'wrongtype', 'linkdir']) {
      const entry = entries.find((candidate) => candidate.name === name);
      assert.ok(entry?.corrupt, `${name} must be listed as corrupt`);
      assert.doesNotMatch(entry.corrupt, /\n/);
      await rejectsWith(requireContainer(name), 'corrupt');
      await rejectsWith(stopContainer(name, 0), 'corrupt');
      await rejectsWith(killContainer(name, 15), 'corrupt');
    }
    await collectGarbage();
    for (const name of ['fifo', 'empty-object', 'linkdir']) assert.ok(existsSync(join(state.path, name)), `gc must leave corrupt ${name} alone`);
    assert.equal(await reconcile('fifo'), undefined);
    // Removing a corrupt record touches nothing but the record: the symlinked directory's target stays.
    await removeContainer('linkdir');
    assert.ok(existsSync(outside.path));
  });
});

describe('signals (F1, F14)', () => {
  let sleeper: ChildProcess & { pid: number };
  before(() => {
    sleeper = decoy();
  });
  after(() => {
    sleeper.kill('SIGKILL');
  });

  it('the executor sends only to the process with the recorded start time', () => {
    const identity = identify(sleeper.pid)!;
    assert.equal(signalProcess({ pid: sleeper.pid, startTime: String(Number(identity.startTime) + 1) }, 15), 'mismatch');
    assert.equal(signalProcess({ pid: -1, startTime: '0' }, 15), 'mismatch');
    assert.equal(signalProcess({ pid: 1, startTime: processStartTime(1) ?? '0' }, 15), 'mismatch');
    assert.equal(signalProcess(identity, 0), 'sent');
    assert.equal(processStartTime(sleeper.pid), identity.startTime);
  });

  it('a process of our own PID namespace is never taken for a container init', () => {
    assert.match(initProblem(identify(sleeper.pid))!, /not in a PID namespace of its own/);
    assert.match(initProblem({ pid: sleeper.pid, startTime: '1' })!, /has ended/);
    assert.ok(initProblem(undefined));
  });

  it('F1: stop, kill and rm -f of a record naming a decoy as PID 1 leave the decoy alive', async () => {
    const me = identify(process.pid)!;
    const planted = identify(sleeper.pid)!;
    // A live supervisor (this process) keeps the record "running"; PID 1 is the decoy.
    plant('decoy', { 'state.json': record('decoy', { pid: planted.pid, init: planted, supervisor: me }) });
    await rejectsWith(stopContainer('decoy', 0), 'not-running', /not in a PID namespace of its own/);
    await rejectsWith(killContainer('decoy', 9), 'not-running');
    await rejectsWith(killContainer('decoy', 9, true), 'not-running');
    await rejectsWith(removeContainer('decoy'), 'running', /rm -f decoy/);
    await removeContainer('decoy', true).catch(() => {});
    assert.equal(processStartTime(sleeper.pid), planted.startTime, 'the decoy must survive');
  });

  it('F14: a mismatched identity says what is wrong, not "not running (running)"', async () => {
    const me = identify(process.pid)!;
    plant('fz1', { 'state.json': record('fz1', { pid: sleeper.pid, init: { pid: sleeper.pid, startTime: '1' }, supervisor: me }) });
    await rejectsWith(requireRunning('fz1'), 'not-running', /^container 'fz1' is recorded as running, but its PID 1 \(PID \d+\) has ended/);
    await assert.rejects(requireRunning('fz1'), (error: Error) => !/\(running\)/.test(error.message));
  });

  it('matches the cgroup naming rule only as whole path components', () => {
    assert.ok(inContainerCgroup('0::/user.slice/ts-nspawn/web\n', 'web'));
    assert.ok(inContainerCgroup('4:cpu,cpuacct:/ts-nspawn/web/init.scope\n', 'web'));
    assert.ok(!inContainerCgroup('0::/user.slice/ts-nspawn/web2\n', 'web'));
    assert.ok(!inContainerCgroup('0::/ts-nspawn-web\n', 'web'));
  });
});

describe('stored files stay put', () => {
  it('the decoy directory outside the state root is untouched', () => {
    assert.equal(readFileSync(join(outside.path, 'victim', 'state.json'), 'utf8').length > 0, true);
  });
});
