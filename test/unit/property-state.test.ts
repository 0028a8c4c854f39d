/**
 * Property-based: a container record tampered with (state.json, config.json
 * and exit replaced by random JSON, wrong types, truncation, a FIFO, a
 * symlink, a directory, a huge file; the record directory a symlink) and
 * every verb run on it. Each case keeps the CLI's contract
 * (helpers/contract.ts); the decoy `sleep` whose identity is planted as the
 * container's init and supervisor survives; the decoy directory outside
 * the state root survives; no removal is left half done. No container
 * starts: the planted processes are never in a PID namespace of their own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { identify, processStartTime } from '../../src/state/process-identity.js';
import type { ContainerRecord } from '../../src/state/record.js';
import { assertContract, propertyParameters, runCliSync, usePropertyWorkspace } from './helpers/contract.js';

const decoyState = '{"id":"pt","status":"stopped"}';
const { stateDir, cwd, decoyDir, sleeper } = usePropertyWorkspace('ts-nspawn-prop-state-', decoyState);


const env = { ...process.env, TS_NSPAWN_STATE_DIR: stateDir };
const NAME = 'pt';
const directory = join(stateDir, NAME);

function baseRecord(status: ContainerRecord['status']): ContainerRecord {
  const decoy = identify(sleeper.pid!)!;
  return {
    ociVersion: '1.2.0',
    id: NAME,
    status,
    pid: status === 'stopped' ? 0 : decoy.pid,
    bundle: decoyDir,
    annotations: {},
    created: new Date().toISOString(),
    started: new Date().toISOString(),
    command: ['/bin/sh'],
    console: true,
    detached: true,
    boot: false,
    init: decoy,
    supervisor: decoy,
    owner: decoy,
    addresses: [],
    hostInterfaces: [],
    cgroups: [`/sys/fs/cgroup/${NAME}-property-test-never/ts-nspawn/${NAME}`],
  };
}

type Content = { kind: 'text'; text: string } | { kind: 'fifo' } | { kind: 'symlink' } | { kind: 'directory' } | { kind: 'huge' } | { kind: 'absent' };

const special = fc.constantFrom<Content>({ kind: 'fifo' }, { kind: 'symlink' }, { kind: 'directory' }, { kind: 'huge' }, { kind: 'absent' });
const json = fc.jsonValue({ maxDepth: 3 });
const asText = (text: string): Content => ({ kind: 'text', text });

const stateContent = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom<ContainerRecord['status']>('creating', 'created', 'running', 'stopped'), fc.constantFrom(...Object.keys(baseRecord('running'))), json).map(([status, key, value]) => asText(JSON.stringify({ ...baseRecord(status), [key]: value }))) },
  { weight: 2, arbitrary: fc.constantFrom<ContainerRecord['status']>('creating', 'created', 'running', 'stopped').map((status) => asText(JSON.stringify(baseRecord(status)))) },
  { weight: 2, arbitrary: json.map((value) => asText(JSON.stringify(value))) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(400)).map(([cut]) => asText(JSON.stringify(baseRecord('running')).slice(0, cut))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(asText) },
  { weight: 2, arbitrary: special },
);
const otherContent = fc.oneof(json.map((value) => asText(JSON.stringify(value))), fc.constantFrom(asText('0 0\n'), asText('0 9'), asText('-1 0'), asText('1 0\n\n')), special);

const verbs = fc.constantFrom<string[]>(
  ['list'], ['list', '--json'], ['status', NAME], ['status', '--json', NAME], ['stop', '--timeout', '0', NAME], ['kill', NAME], ['kill', NAME, 'KILL'],
  ['kill', '--all', NAME, '9'], ['rm', NAME], ['rm', '-f', NAME], ['gc'], ['logs', NAME], ['exec', NAME, '/bin/true'], ['attach', NAME],
);

function write(path: string, content: Content): void {
  switch (content.kind) {
    case 'text':
      return writeFileSync(path, content.text);
    case 'fifo':
      spawnSync('mkfifo', [path]);
      return;
    case 'symlink':
      return symlinkSync(join(decoyDir, 'state.json'), path);
    case 'directory':
      return mkdirSync(path);
    case 'huge':
      return writeFileSync(path, Buffer.alloc(9 << 20, 0x20));
    case 'absent':
      return;
  }
}

function clear(): void {
  for (const entry of readdirSync(stateDir)) {
    const path = join(stateDir, entry);
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
    else rmSync(path, { recursive: true, force: true });
  }
}

describe('property: tampered state', () => {
  it('every verb on a tampered record ends, exits 0 or 125 in one line, and signals or deletes nothing of the host', () => {
    const decoyStart = processStartTime(sleeper.pid!);
    fc.assert(
      fc.property(stateContent, otherContent, otherContent, fc.boolean(), verbs, (state, config, exit, linkedDirectory, args) => {
        clear();
        if (linkedDirectory) {
          symlinkSync(decoyDir, directory);
        } else {
          mkdirSync(directory);
          write(join(directory, 'state.json'), state);
          write(join(directory, 'config.json'), config);
          write(join(directory, 'exit'), exit);
        }
        const outcome = runCliSync(args, env, cwd);
        const what = JSON.stringify({ args, state, config, exit, linkedDirectory }).slice(0, 400);
        assertContract(args, outcome);
        assert.equal(processStartTime(sleeper.pid!), decoyStart, `the decoy process was signalled: ${what}`);
        assert.equal(readFileSync(join(decoyDir, 'state.json'), 'utf8'), decoyState, `the decoy directory was touched: ${what}`);
        assert.deepEqual(readdirSync(stateDir).filter((entry) => entry !== NAME), [], `removal left behind: ${what}`);
      }),
      propertyParameters(100, 25_000),
    );
    clear();
    assert.ok(existsSync(join(decoyDir, 'state.json')));
  });
});
