import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ContainerError } from '../../src/errors.js';
import { containerDirectory, containerFile, stateRoot } from '../../src/state/paths.js';
import type { ContainerRecord } from '../../src/state/record.js';
import { claimName, listNames, readRecord, removeDirectory, writeAtomically, writeRecord } from '../../src/state/store.js';
import { useTemporaryStateDir } from './helpers/index.js';

/** src/state/paths.ts reads TS_NSPAWN_STATE_DIR at call time, so setting it here is enough. */
const state = useTemporaryStateDir();
after(() => state.remove());

const never = async (): Promise<boolean> => false;

function record(id: string, overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    ociVersion: '1.2.0',
    id,
    status: 'running',
    pid: 4321,
    bundle: '/srv/root',
    annotations: { 'org.example': 'x' },
    created: '2024-01-01T00:00:00.000Z',
    command: ['/bin/sh', '-c', 'sleep 1'],
    console: false,
    detached: true,
    boot: false,
    init: { pid: overrides.pid || 4321, startTime: '123456' },
    addresses: ['10.0.0.2/24'],
    hostInterfaces: [`vb-${id}`],
    cgroups: [`/sys/fs/cgroup/ts-nspawn/${id}`],
    ...overrides,
  };
}

describe('state paths', () => {
  it('follow TS_NSPAWN_STATE_DIR', () => {
    assert.equal(stateRoot(), state.path);
    assert.equal(containerDirectory('box'), join(state.path, 'box'));
    assert.equal(containerFile('box', 'state'), join(state.path, 'box', 'state.json'));
    assert.equal(containerFile('box', 'exit'), join(state.path, 'box', 'exit'));
  });
});

describe('claimName', () => {
  it('claims a free explicit name by creating its directory (mode 0700)', async () => {
    assert.equal(await claimName('free', true, never), 'free');
    const stat = statSync(join(state.path, 'free'));
    assert.ok(stat.isDirectory());
    assert.equal(stat.mode & 0o777, 0o700);
  });

  it('refuses a taken explicit name that is running, naming it and its PID', async () => {
    mkdirSync(join(state.path, 'web'));
    writeRecord(record('web', { status: 'running', pid: 777 }));
    const asked: string[] = [];
    await assert.rejects(
      claimName('web', true, async (name) => {
        asked.push(name);
        return false;
      }),
      (error: unknown) => {
        assert.ok(error instanceof ContainerError);
        assert.equal(error.exitCode, 125);
        assert.equal(error.message, "a container named 'web' is running (PID 777); choose another name with -M");
        return true;
      },
    );
    assert.deepEqual(asked, ['web']);
  });

  it('refuses a taken explicit stopped name, telling how to remove it', async () => {
    mkdirSync(join(state.path, 'old'));
    writeRecord(record('old', { status: 'stopped', pid: 0 }));
    await assert.rejects(claimName('old', true, never), {
      name: 'ContainerError',
      message: "a container named 'old' exists (stopped): remove it with ts-nspawn rm old; choose another name with -M",
    });
  });

  it('numbers implicit names: base, base-2, base-3', async () => {
    assert.equal(await claimName('img', false, never), 'img');
    assert.equal(await claimName('img', false, never), 'img-2');
    assert.equal(await claimName('img', false, never), 'img-3');
    assert.deepEqual(
      readdirSync(state.path).filter((name) => name.startsWith('img')).sort(),
      ['img', 'img-2', 'img-3'],
    );
  });

  it('reuses a name that onTaken frees (returns true)', async () => {
    assert.equal(await claimName('stale', false, never), 'stale');
    writeFileSync(join(state.path, 'stale', 'marker'), 'x');
    const asked: string[] = [];
    const name = await claimName('stale', false, async (taken) => {
      asked.push(taken);
      removeDirectory(taken);
      return true;
    });
    assert.equal(name, 'stale');
    assert.deepEqual(asked, ['stale']);
    assert.ok(!existsSync(join(state.path, 'stale', 'marker')), 'the freed directory must be a new one');
  });

  it('reuses an explicit name that onTaken frees', async () => {
    mkdirSync(join(state.path, 'again'));
    writeRecord(record('again', { status: 'stopped' }));
    const name = await claimName('again', true, async (taken) => {
      removeDirectory(taken);
      return true;
    });
    assert.equal(name, 'again');
    assert.equal(readRecord('again'), undefined);
  });

  it('gives 20 parallel implicit claims 20 distinct names', async () => {
    const names = await Promise.all(Array.from({ length: 20 }, () => claimName('x', false, never)));
    assert.equal(new Set(names).size, 20);
    assert.deepEqual(
      [...names].sort(),
      ['x', ...Array.from({ length: 19 }, (_, i) => `x-${i + 2}`)].sort(),
    );
    for (const name of names) assert.ok(statSync(join(state.path, name)).isDirectory(), name);
  });
});

describe('writeRecord / readRecord', () => {
  it('round-trips a record through state.json', async () => {
    const name = await claimName('round', true, never);
    const written = record(name, { exit: { exitCode: null, signal: 9, status: 137 }, supervisor: { pid: 4000, startTime: '2' } });
    writeRecord(written);
    assert.deepEqual(readRecord(name), written);
    assert.equal(readFileSync(containerFile(name, 'state'), 'utf8'), JSON.stringify(written, null, 2) + '\n');
  });

  it('replaces the file atomically, leaving no temporary file, mode 0600', async () => {
    const name = await claimName('atomic', true, never);
    writeRecord(record(name, { status: 'creating' }));
    writeRecord(record(name, { status: 'running', pid: 99 }));
    assert.deepEqual(readdirSync(containerDirectory(name)), ['state.json']);
    assert.equal(readRecord(name)?.pid, 99);
    assert.equal(readRecord(name)?.status, 'running');
    assert.equal(statSync(containerFile(name, 'state')).mode & 0o777, 0o600);
  });

  it('writeAtomically writes the text and leaves no .tmp', () => {
    const path = join(state.path, 'loose.txt');
    writeAtomically(path, 'one');
    writeAtomically(path, 'two');
    assert.equal(readFileSync(path, 'utf8'), 'two');
    assert.deepEqual(readdirSync(state.path).filter((name) => name.endsWith('.tmp')), []);
  });

  it('reads undefined for a missing container, a directory without state.json, or broken JSON', async () => {
    assert.equal(readRecord('never-was'), undefined);
    const empty = await claimName('empty', true, never);
    assert.equal(readRecord(empty), undefined);
    writeFileSync(containerFile(empty, 'state'), '{"id": "emp');
    assert.equal(readRecord(empty), undefined);
  });
});

describe('listNames / removeDirectory', () => {
  it('lists container directories sorted, ignoring dot-entries', async () => {
    await claimName('list-b', true, never);
    await claimName('list-a', true, never);
    mkdirSync(join(state.path, '.list-c.removing.1.2'));
    mkdirSync(join(state.path, '.hidden'));
    const names = listNames();
    assert.ok(!names.some((name) => name.startsWith('.')), names.join(' '));
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(names.filter((name) => name.startsWith('list-')), ['list-a', 'list-b']);
  });

  it('frees the name at once and deletes the directory with its contents', async () => {
    const name = await claimName('doomed', true, never);
    writeRecord(record(name));
    mkdirSync(join(containerDirectory(name), 'sub'));
    writeFileSync(join(containerDirectory(name), 'sub', 'f'), 'x');
    removeDirectory(name);
    assert.ok(!existsSync(containerDirectory(name)));
    assert.ok(!listNames().includes(name));
    assert.deepEqual(readdirSync(state.path).filter((entry) => entry.startsWith(`.${name}.`)), []);
    assert.equal(await claimName(name, true, never), name);
  });

  it('does nothing for a missing directory', () => {
    assert.doesNotThrow(() => removeDirectory('no-such-container'));
  });
});

describe('listNames without a state directory', () => {
  it('is empty when the state root does not exist', () => {
    const saved = process.env.TS_NSPAWN_STATE_DIR;
    process.env.TS_NSPAWN_STATE_DIR = join(state.path, 'missing', 'root');
    try {
      assert.deepEqual(listNames(), []);
    } finally {
      process.env.TS_NSPAWN_STATE_DIR = saved;
    }
  });
});
