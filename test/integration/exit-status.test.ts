/** Exit statuses: the command's own, 128+N for a signal, 125/126/127 for what ts-nspawn or exec could not do. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run, start } from '../../src/index.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collect, runCli } from '../helpers/cli.js';
import { useBusyboxTree } from '../helpers/suite.js';

describe('exit status', () => {
  const tree = useBusyboxTree();


  it('exits with the command status', async () => {
    assert.equal((await runCli(['run', '-D', tree.root, '/bin/sh', '-c', 'exit 0'])).status, 0);
    assert.equal((await runCli(['run', '-D', tree.root, '/bin/sh', '-c', 'exit 3'])).status, 3);
    assert.equal((await runCli(['run', '-D', tree.root, 'false'])).status, 1);
  });

  it('exits 127 with a clear line when the command does not exist', async () => {
    const result = await runCli(['run', '-D', tree.root, '/no/such/cmd']);
    assert.equal(result.status, 127);
    assert.match(result.stderr, /^ts-nspawn: command '\/no\/such\/cmd' not found in the container/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('searches PATH and exits 127 for an unknown name', async () => {
    assert.equal((await runCli(['run', '-D', tree.root, 'true'])).status, 0);
    assert.equal((await runCli(['run', '-D', tree.root, 'no-such-command'])).status, 127);
  });

  it('exits 126 when the command is not executable', async () => {
    const result = await runCli(['run', '-D', tree.root, '/etc/passwd']);
    assert.equal(result.status, 126);
    assert.match(result.stderr, /^ts-nspawn: cannot execute '\/etc\/passwd' in the container: .*\(EACCES\)/);
  });

  it('reports 128+N when PID 1 dies of signal N (library API)', async () => {
    const container = await start({ directory: tree.root, command: ['/bin/sleep', '30'], stdio: 'ignore' });
    process.kill(container.pid, 'SIGKILL');
    const status = await container.exited;
    assert.deepEqual({ exitCode: status.exitCode, signal: status.signal, status: status.status }, { exitCode: null, signal: 9, status: 137 });
  });

  it('runs on Node.js too, as the launcher does where Bun cannot run', async () => {
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const result = await collect(spawn(process.execPath, [main, 'run', '-D', tree.root, '/bin/sh', '-c', 'echo on-node; exit 3']));
    assert.deepEqual([result.status, result.stdout, result.stderr], [3, 'on-node\n', '']);
  });

  it('runs through the library and returns the status', async () => {
    const status = await run({ directory: tree.root, command: ['/bin/sh', '-c', 'exit 42'], stdio: 'ignore' });
    assert.equal(status.exitCode, 42);
    assert.equal(status.status, 42);
  });
});
