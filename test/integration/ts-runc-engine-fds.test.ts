/**
 * The descriptors an engine hands ts-runc: --preserve-fds (the caller's
 * fds 3.. become the process's 3.., in create, run and exec), compared
 * with runc on the same bundle; and --pidfd-socket (a pidfd of the
 * process sent to the engine's socket; runc 1.2's, which the runc
 * installed for comparison may not have yet).
 */
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasRunc, runtime, TS_RUNC, type Run } from '../helpers/oci-runtime.js';
import { pidfdReceiver } from '../helpers/pidfd-socket.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

interface Runtime {
  name: string;
  run(args: string[], extraFds?: number[]): Run;
}

describe('ts-runc --preserve-fds and --pidfd-socket', () => {
  const tree = useBusyboxTree();
  let bundle: string;
  const runtimes: Runtime[] = [];
  const ts = () => runtimes[0]!;

  /** config.json running ARGS (the root read-only, no terminal). */
  const writeConfig = (args: string[]) => {
    rmSync(join(bundle, 'config.json'), { force: true });
    assert.equal(ts().run(['spec']).status, 0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.root = { path: tree.root, readonly: true };
    config.process.terminal = false;
    config.process.args = args;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  };

  /** The caller's fd 3 (a file to read) and fd 4 (a file to write), as host descriptors; closed by the caller. */
  const callerFds = (name: string) => {
    const input = join(tree.base, `${name}.in`);
    const output = join(tree.base, `${name}.out`);
    writeFileSync(input, `from ${name}\n`);
    writeFileSync(output, '');
    return { fds: [openSync(input, 'r'), openSync(output, 'w')], output: () => readFileSync(output, 'utf8') };
  };
  const closeAll = (fds: number[]) => fds.forEach((fd) => closeSync(fd));

  before(() => {
    bundle = join(tree.base, 'bundle');
    mkdirSync(bundle);
    for (const [name, binary] of [['ts-runc', TS_RUNC], ...(hasRunc() ? [['runc', 'runc']] : [])] as const) {
      const root = join(tree.base, `${name}-state`);
      runtimes.push({ name, run: (args, extraFds) => runtime(binary, root, args, bundle, extraFds) });
    }
  });
  after(() => {
    for (const rt of runtimes) for (const id of rt.run(['list', '-q']).stdout.split('\n').filter(Boolean)) rt.run(['delete', '--force', id]);
  });

  /** Every runtime gave the same as ts-runc, which gave EXPECTED. */
  function assertSame<T>(results: Map<string, T>, expected: T): void {
    assert.deepEqual(results.get('ts-runc'), expected);
    for (const [name, value] of results) assert.deepEqual(value, expected, `${name} differs`);
  }

  /** Which of the process's fds 3-6 are open, and what it copied from its fd 3 to its fd 4. */
  const PROBE = ['sh', '-c', 'for fd in 3 4 5 6; do [ -e /proc/self/fd/$fd ] && echo "open $fd"; done; cat <&3 >&4'];

  it('exec: the caller\'s fds 3 and 4 are the process\'s 3 and 4, and no other; too many fails with 255, a bad count is a usage error', async () => {
    writeConfig(['sleep', '600']);
    const results = new Map<string, unknown>();
    for (const rt of runtimes) {
      assert.equal(rt.run(['run', '--detach', 'pf-exec']).status, 0);
      const caller = callerFds(rt.name);
      try {
        const probed = rt.run(['exec', '--preserve-fds', '2', 'pf-exec', ...PROBE], caller.fds);
        // Detached, the process keeps them after the runtime has gone.
        const detached = rt.run(['exec', '--detach', '--preserve-fds', '2', 'pf-exec', 'sh', '-c', 'sleep 0.2; echo later >&4'], caller.fds);
        await waitFor(`${rt.name}'s detached process to write to its fd 4`, () => caller.output() === `from ${rt.name}\nlater\n`);
        const tooMany = rt.run(['exec', '--preserve-fds', '1000', 'pf-exec', 'true'], caller.fds);
        const bad = rt.run(['exec', '--preserve-fds', 'two', 'pf-exec', 'true']);
        results.set(rt.name, {
          probed: [probed.status, probed.stdout],
          detached: detached.status,
          tooMany: [tooMany.status, /unable to stat preserved-fd/.test(tooMany.stderr)],
          bad: [bad.status, /invalid value \\"two\\" for flag -preserve-fds/.test(bad.stderr)],
        });
      } finally {
        closeAll(caller.fds);
        rt.run(['delete', '--force', 'pf-exec']);
      }
    }
    assertSame(results, { probed: [0, 'open 3\nopen 4\n'], detached: 0, tooMany: [255, true], bad: [1, true] });
  });

  it('run and create: the container\'s process gets the caller\'s fds as 3 and 4, kept through create until start', async () => {
    writeConfig(PROBE);
    const results = new Map<string, unknown>();
    for (const rt of runtimes) {
      const foreground = callerFds(`${rt.name}-run`);
      const created = callerFds(`${rt.name}-create`);
      try {
        const ran = rt.run(['run', '--preserve-fds', '2', 'pf-run'], foreground.fds);
        const create = rt.run(['create', '--preserve-fds', '2', 'pf-create'], created.fds);
        // The caller's copies go before start: what the process writes must come from its own.
        closeAll(created.fds.splice(0));
        const start = rt.run(['start', 'pf-create']);
        await waitFor(`${rt.name}'s created container to copy its fd 3`, () => created.output() === `from ${rt.name}-create\n`);
        results.set(rt.name, { ran: [ran.status, ran.stdout, foreground.output()], create: create.status, start: start.status });
      } finally {
        closeAll([...foreground.fds, ...created.fds]);
        rt.run(['delete', '--force', 'pf-run']);
        rt.run(['delete', '--force', 'pf-create']);
      }
    }
    const ours = results.get('ts-runc') as { ran: [number, string, string] };
    assert.deepEqual(ours.ran, [0, 'open 3\nopen 4\n', 'from ts-runc-run\n']);
    for (const [name, value] of results) {
      const { ran, ...rest } = value as { ran: [number, string, string] };
      assert.deepEqual([ran[0], ran[1], rest], [0, 'open 3\nopen 4\n', { create: 0, start: 0 }], name);
    }
  });

  it('--pidfd-socket: exec, create and run send a pidfd of their process (runc\'s data words); no listener fails with nothing left', async () => {
    writeConfig(['sleep', '600']);
    const rt = ts();
    const socket = join(tree.base, 'pidfd.sock');
    const received = async (args: string[], pidOf: () => number, kind: string) => {
      rmSync(socket, { force: true });
      const receiver = await pidfdReceiver(socket);
      try {
        const result = rt.run(args);
        assert.equal(result.status, 0, result.stderr);
        await waitFor('the pidfd', () => /\n\S+ \d+\n/.test(receiver.output()));
        const [, data, pid] = /\n(\S+) (\d+)\n/.exec(receiver.output())!;
        assert.deepEqual([data, Number(pid)], [kind, pidOf()]);
        return receiver;
      } catch (error) {
        receiver.stop();
        throw error;
      }
    };
    const initPid = (id: string) => () => JSON.parse(rt.run(['state', id]).stdout).pid as number;
    const pidFile = join(tree.base, 'exec.pid');
    try {
      (await received(['create', '--pidfd-socket', socket, 'pidfd-create'], initPid('pidfd-create'), 'standard')).stop();
      (await received(['run', '--detach', '--pidfd-socket', socket, 'pidfd-run'], initPid('pidfd-run'), 'standard')).stop();
      // The pidfd tells the engine when the process ends.
      const exec = await received(['exec', '--detach', '--pid-file', pidFile, '--pidfd-socket', socket, 'pidfd-run', 'sleep', '0.5'], () => Number(readFileSync(pidFile, 'utf8')), 'setns');
      try {
        await waitFor('the pidfd to say the process ended', () => exec.output().endsWith('exited\n'));
      } finally {
        exec.stop();
      }
      rmSync(socket, { force: true });
      const noListener = rt.run(['exec', '--pidfd-socket', socket, 'pidfd-run', 'true']);
      assert.equal(noListener.status, 255);
      assert.match(noListener.stderr, /exec failed: .*pidfd.*no such file or directory \(ENOENT\)/);
      const noListenerCreate = rt.run(['create', '--pidfd-socket', socket, 'pidfd-none']);
      assert.equal(noListenerCreate.status, 1);
      assert.equal(rt.run(['state', 'pidfd-none']).status, 1);
    } finally {
      for (const id of ['pidfd-create', 'pidfd-run', 'pidfd-none']) rt.run(['delete', '--force', id]);
      rmSync(socket, { force: true });
    }
  });
});
