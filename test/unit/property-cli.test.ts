/**
 * Property-based: random command lines (verbs, options, names that are
 * paths, control characters, lone surrogates, numbers out of range) keep
 * the CLI's contract (helpers/contract.ts). No container starts: `run` and
 * `boot` always get a root directory that does not exist, and no token can
 * name another one. A decoy directory (named as a container by path) and
 * a decoy process must survive every case.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { processStartTime } from '../../src/state/process-identity.js';
import { assertContract, CLI, propertyParameters, runCliSync, usePropertyWorkspace } from './helpers/contract.js';

const work = usePropertyWorkspace('ts-nspawn-prop-cli-', '{"id":"decoy","status":"stopped"}');
const { stateDir, cwd, decoyDir, sleeper } = work;
const sleeperStart = processStartTime(sleeper.pid!);


const env = { ...process.env, TS_NSPAWN_STATE_DIR: stateDir };
const missingRoot = join(work.path, 'no-such-root');

const names = fc.constantFrom(
  'web', 'a.b', '..', '.', '.hidden', 'a/b', `/../../..${decoyDir}`, `../${'..'}/decoy`, 'x'.repeat(256), 'fz\n', 'tab\there',
  '\x1b[2J', 'caf\u00e9', '\ud800', '-', '--', '', ' ', String(sleeper.pid),
);
const options = fc.constantFrom(
  '-f', '--force', '--all', '--json', '-n', '--lines', '-t', '--timeout', '--help', '-h', '-E', '--setenv', '-u', '--user', '--chdir',
  '-M', '--machine', '--bind', '--bind-ro', '--network-bridge', '--address', '--gateway', '--host-network', '-d', '-P', '--bogus', '-x', '--',
);
const values = fc.constantFrom(
  '-1', '0', '1', '1.5', '1e309', 'NaN', '99999999999999999999', 'TERM', 'SIGKILL', 'RTMIN+3', 'RTMAX+1', '10.0.0.2/24', 'fd00::1/64', 'br0',
  'A=B', '=x', '/tmp:/mnt', '1000:1000', 'root', String(sleeper.pid),
);
/** Random text, but never something that could name a root directory for run/boot. */
const text = fc.string({ unit: 'binary', maxLength: 12 }).filter((token) => !/^-(D|p|-directory)/.test(token));
const token = fc.oneof(names, options, values, text);
const verb = fc.constantFrom('list', 'status', 'stop', 'kill', 'rm', 'gc', 'logs', 'attach', 'exec', 'cleanup', 'help', '--version', 'nosuchverb', '');

const namedVerb = fc.constantFrom('status', 'stop', 'kill', 'rm', 'logs', 'attach', 'exec', 'cleanup');

const commandLine = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(namedVerb, fc.array(options, { maxLength: 2 }), names, fc.array(token, { maxLength: 3 })).map(([v, o, n, rest]) => [v, ...o, n, ...rest]) },
  { weight: 6, arbitrary: fc.tuple(verb, fc.array(token, { maxLength: 6 })).map(([v, rest]) => [v, ...rest]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('run', 'boot'), fc.array(token, { maxLength: 6 })).map(([v, rest]) => [v, '-D', missingRoot, ...rest]) },
  { weight: 1, arbitrary: fc.array(token, { maxLength: 6 }).map((rest) => ['-p', missingRoot, ...rest, '-p', missingRoot]) },
);

describe('property: command lines', () => {
  it('every command line ends, exits 0 or 125, fails in one line, and harms no decoy', () => {
    fc.assert(
      fc.property(commandLine, (args) => {
        if (process.env.TS_NSPAWN_FC_LOG) console.log(JSON.stringify(args));
        assertContract(args, runCliSync(args, env, cwd));
        assert.equal(processStartTime(sleeper.pid!), sleeperStart, `the decoy process was signalled by ${JSON.stringify(args)}`);
        assert.ok(existsSync(join(decoyDir, 'state.json')), `the decoy directory was deleted by ${JSON.stringify(args)}`);
        assert.deepEqual(readdirSync(stateDir), [], `left state behind: ${JSON.stringify(args)}`);
      }),
      // Known bad inputs first (F2, F8), then random ones.
      { ...propertyParameters(120, 20_000), examples: [[['status', 'fz\n']], [['rm', `/../../..${decoyDir}`]], [['rm', '-f', `/../../..${decoyDir}`]], [['run', '-D', missingRoot, '-M', '/../x', 'true']]] },
    );
  });
});

describe('regressions through the CLI (issue 11)', () => {
  const run = (args: string[]) => runCliSync(args, env, cwd);

  it('F8: a name with a newline is refused in one line, escaped', () => {
    const outcome = run(['status', 'fz\n']);
    assertContract(['status', 'fz\n'], outcome, [125]);
    assert.equal(outcome.stderr, "ts-nspawn: invalid container name 'fz\\n': use letters, digits and _ + . - (not starting with '.'), up to 255 (see ts-nspawn list)\n");
  });

  it('F2: rm of a path is refused with code invalid-name and the directory survives', () => {
    const outcome = run(['rm', '-f', `/../../..${decoyDir}`]);
    assertContract([], outcome, [125]);
    assert.match(outcome.stderr, /invalid container name/);
    assert.ok(existsSync(join(decoyDir, 'state.json')));
  });

  it('F13: a -D whose name is not UTF-8 (Latin-1) is refused in one line naming it, not "missing"', () => {
    const latin1 = Buffer.concat([Buffer.from(`${work.path}/caf`), Buffer.from([0xe9])]);
    mkdirSync(latin1);
    const result = spawnSync('/bin/sh', ['-c', 'exec "$0" run -D "$(printf "%s\\351" "$1")" /bin/true', CLI, `${work.path}/caf`], { env, cwd, encoding: 'utf8', timeout: 15_000 });
    assertContract([], { status: result.status, stdout: result.stdout, stderr: result.stderr }, [125]);
    assert.match(result.stderr, /argument 3 '.*caf\\u\{fffd\}' is not valid UTF-8/);
    assert.doesNotMatch(result.stderr, /does not exist/);
  });

  it('F5: the cleanup hook, list, status, stop and gc end at once on a FIFO state.json', () => {
    mkdirSync(join(stateDir, 'fifo'));
    spawnSync('mkfifo', [join(stateDir, 'fifo', 'state.json')]);
    try {
      for (const args of [['cleanup', 'fifo'], ['list'], ['status', 'fifo'], ['stop', 'fifo'], ['gc']]) assertContract(args, runCliSync(args, env, cwd, 5000));
      assert.match(run(['list']).stdout, /^fifo\s+corrupt\s.*FIFO/m);
    } finally {
      rmSync(join(stateDir, 'fifo'), { recursive: true, force: true });
    }
  });

  it('F3: a stale record naming foreign veths or cgroups is corrupt, and list deletes nothing', () => {
    const foreign = join(work.path, 'ts-nspawn', 'f3');
    mkdirSync(join(foreign, 'child'), { recursive: true });
    mkdirSync(join(stateDir, 'f3'));
    const stale = { ociVersion: '1.2.0', id: 'f3', status: 'running', pid: 0, bundle: '/', annotations: {}, created: '', command: [], console: false, detached: true, boot: false, supervisor: { pid: 2, startTime: '1' }, addresses: [] };
    try {
      writeFileSync(join(stateDir, 'f3', 'state.json'), JSON.stringify({ ...stale, hostInterfaces: ['lo'], cgroups: [] }));
      assert.match(run(['list']).stdout, /^f3\s+corrupt\s.*not a veth of this container/m);
      writeFileSync(join(stateDir, 'f3', 'state.json'), JSON.stringify({ ...stale, hostInterfaces: [], cgroups: ['/some/dir'] }));
      assert.match(run(['list']).stdout, /^f3\s+corrupt\s.*not a cgroup of this container/m);
      // The right shape, but not inside a cgroup hierarchy of this host: released records never rmdir it.
      writeFileSync(join(stateDir, 'f3', 'state.json'), JSON.stringify({ ...stale, hostInterfaces: [], cgroups: [foreign] }));
      assertContract(['list'], run(['list']));
      assert.ok(existsSync(join(foreign, 'child')), 'a directory outside the cgroup hierarchies survives');
    } finally {
      rmSync(join(stateDir, 'f3'), { recursive: true, force: true });
    }
  });
});
