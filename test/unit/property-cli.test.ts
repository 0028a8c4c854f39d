/**
 * Property-based: random command lines (verbs, options, names that are
 * paths, control characters, lone surrogates, numbers out of range) keep
 * the CLI's contract (helpers/contract.ts). No container starts: `run` and
 * `boot` always get a root directory that does not exist, and no token can
 * name another one. A decoy directory (named as a container by path) and
 * a decoy process must survive every case.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { processStartTime } from '../../src/state/process-identity.js';
import { assertContract, propertyParameters, runCliSync } from './helpers/contract.js';
import { makeTempDir } from './helpers/index.js';

const work = makeTempDir('ts-nspawn-prop-cli-');
const stateDir = join(work.path, 'state');
const cwd = join(work.path, 'cwd');
const decoyDir = join(work.path, 'decoy');
mkdirSync(stateDir);
mkdirSync(cwd);
mkdirSync(decoyDir);
writeFileSync(join(decoyDir, 'state.json'), '{"id":"decoy","status":"stopped"}');
const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
const sleeperStart = processStartTime(sleeper.pid!);
after(() => {
  sleeper.kill('SIGKILL');
  work.remove();
});

const env = { ...process.env, TS_NSPAWN_STATE_DIR: stateDir };
const missingRoot = join(work.path, 'no-such-root');

const names = fc.constantFrom(
  'web', 'a.b', '..', '.', '.hidden', 'a/b', `/../../..${decoyDir}`, `../${'..'}/decoy`, 'x'.repeat(65), 'fz\n', 'tab\there',
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
