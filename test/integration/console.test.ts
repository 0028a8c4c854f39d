/** The console: a PTY relayed to the user's terminal, surviving vhangup, with the Ctrl-] escape. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { PtySession } from '../helpers/pty.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';

describe('console', () => {
  let tree: TestRoot;
  let state: HostState;
  const sessions: PtySession[] = [];
  const console = (args: string[], size?: { rows: number; cols: number }) => {
    const session = new PtySession([CLI, ...args], size);
    sessions.push(session);
    return session;
  };

  before(() => {
    tree = makeBusyboxRoot();
    state = hostState();
  });
  after(async () => {
    for (const session of sessions) session.close();
    try {
      await assertHostUnchanged(state);
    } finally {
      tree.remove();
    }
  });

  it('gives the command a terminal by default when stdin is one, with the window size', async () => {
    const session = console(['run', '-D', tree.root, '/bin/sh'], { rows: 33, cols: 101 });
    await session.expect('Press Ctrl-] three times within 1s to kill container.');
    session.send('[ -t 0 ] && echo "tty-$((6*7))"; stty size; echo "term=$TERM"; ls -l /dev/console | cut -c1\r');
    await session.expect(/tty-42[\s\S]*33 101[\s\S]*term=\S+[\s\S]*\bc\b/);
    session.send('exit 5\r');
    assert.equal(await session.exited, 5);
  });

  it('survives vhangup inside the container', async () => {
    // vhangup(2) needs CAP_SYS_TTY_CONFIG: boot's set has it, run's (podman's) does not.
    const session = console(['run', '-t', '--capability', 'SYS_TTY_CONFIG', '-D', tree.root, '/bin/probe', 'vhangup-shell']);
    await session.expect('probe: console reopened after vhangup');
    session.send('echo "alive-$((40+2))"\r');
    await session.expect('alive-42');
    session.send('exit 0\r');
    assert.equal(await session.exited, 0);
  });

  it('kills the container on Ctrl-] pressed three times', async () => {
    const session = console(['run', '-D', tree.root, '/bin/sh']);
    await session.expect('Press Ctrl-]');
    session.send('echo "ready-$((1+1))"\r');
    await session.expect('ready-2');
    session.send('\x1d\x1d\x1d');
    await session.expect('Container killed');
    assert.equal(await session.exited, 137);
  });

  it('ends the container when the terminal goes away', async () => {
    const session = console(['run', '-D', tree.root, '/bin/sh']);
    await session.expect('Press Ctrl-]');
    session.send('echo "up-$((1+2))"\r');
    await session.expect('up-3');
    // Killing the terminal's owner closes the PTY master: the terminal hangs up.
    session.close();
    await session.exited;
    await assertHostUnchanged(state);
  });

  it('passes piped input to the console with -t', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(CLI, ['run', '-t', '-D', tree.root, '/bin/sh', '-c', 'read line; echo "got:$line"'], { input: 'hello\n' });
    assert.equal(result.status, 0);
    assert.match(result.stdout.toString(), /got:hello/);
  });
});
