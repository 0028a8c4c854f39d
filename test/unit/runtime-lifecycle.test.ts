import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readExitFile } from '../../src/runtime/lifecycle.js';
import { SIGRTMIN_PLUS_3 } from '../../src/host/signals.js';
import { useTemporaryStateDir } from './helpers/index.js';

/** src/state/paths.ts reads TS_NSPAWN_STATE_DIR at call time. */
const state = useTemporaryStateDir();
after(() => state.remove());

/** Writes NAME/exit with `text`, as the supervisor does. */
function exitFile(name: string, text: string): string {
  mkdirSync(join(state.path, name), { recursive: true });
  writeFileSync(join(state.path, name, 'exit'), text);
  return name;
}

describe('readExitFile', () => {
  it('reads "0 0" as a clean exit', () => {
    assert.deepEqual(readExitFile(exitFile('clean', '0 0\n')), { exitCode: 0, signal: null, status: 0 });
  });

  it('reads "3 0" as exit code 3', () => {
    assert.deepEqual(readExitFile(exitFile('three', '3 0\n')), { exitCode: 3, signal: null, status: 3 });
    assert.deepEqual(readExitFile(exitFile('max', '255 0\n')), { exitCode: 255, signal: null, status: 255 });
  });

  it('reads "0 9" as killed by signal 9, status 128 + 9', () => {
    assert.deepEqual(readExitFile(exitFile('killed', '0 9\n')), { exitCode: null, signal: 9, status: 137 });
    assert.deepEqual(readExitFile(exitFile('termed', '0 15\n')), { exitCode: null, signal: 15, status: 143 });
  });

  it('copes without the trailing newline', () => {
    assert.deepEqual(readExitFile(exitFile('bare', '1 0')), { exitCode: 1, signal: null, status: 1 });
  });

  it('is undefined when there is no exit file (or no container)', () => {
    mkdirSync(join(state.path, 'running'));
    assert.equal(readExitFile('running'), undefined);
    assert.equal(readExitFile('no-such-container'), undefined);
  });
});

describe('SIGRTMIN_PLUS_3', () => {
  it('is glibc\'s SIGRTMIN (34) + 3', () => {
    assert.equal(SIGRTMIN_PLUS_3, 37);
  });
});

describe('collectGarbage and abandoned claims', () => {
  it('removes a claimed directory that never got a record, once it is old, and keeps a fresh one', async () => {
    const { collectGarbage } = await import('../../src/runtime/lifecycle.js');
    const { containerDirectory } = await import('../../src/state/paths.js');
    const { mkdirSync, utimesSync, existsSync } = await import('node:fs');
    mkdirSync(containerDirectory('gc-old'), { recursive: true });
    mkdirSync(containerDirectory('gc-fresh'), { recursive: true });
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(containerDirectory('gc-old'), longAgo, longAgo);
    assert.deepEqual(await collectGarbage(), ['gc-old']);
    assert.equal(existsSync(containerDirectory('gc-old')), false);
    assert.equal(existsSync(containerDirectory('gc-fresh')), true);
  });
});
