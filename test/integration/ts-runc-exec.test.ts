/**
 * ts-runc's exec, ps, pause, resume and events, driven as podman's conmon
 * and containerd's shim drive them, each scenario run on the same bundle
 * by ts-runc and by runc (installed for comparison): the same exit
 * statuses, output, states and errors.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { consoleReceiver } from '../helpers/console-socket.js';
import { hasRunc, runtime, TS_RUNC, type Run } from '../helpers/oci-runtime.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

interface Runtime {
  name: string;
  run(args: string[]): Run;
}

/** The container's cgroup freezer, as the kernel reports it for PID: frozen or not. */
function frozen(pid: number): boolean {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((line) => line.split(':')[1] === 'freezer');
  if (v1) return readFileSync(`/sys/fs/cgroup/freezer${v1.split(':')[2]}/freezer.state`, 'utf8').trim() === 'FROZEN';
  const v2 = lines.find((line) => line.startsWith('0::'))!;
  return /^frozen 1$/m.test(readFileSync(`/sys/fs/cgroup${v2.slice(3)}/cgroup.events`, 'utf8'));
}

/** The state letter of /proc/PID/stat (R, S, D, ...). */
const processState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0];

describe('ts-runc exec, ps, pause, resume, events (compared with runc)', () => {
  const tree = useBusyboxTree();
  let bundle: string;
  const runtimes: Runtime[] = [];

  before(() => {
    bundle = join(tree.base, 'bundle');
    mkdirSync(bundle);
    for (const [name, binary] of [['ts-runc', TS_RUNC], ...(hasRunc() ? [['runc', 'runc']] : [])] as const) {
      const root = join(tree.base, `${name}-state`);
      runtimes.push({ name, run: (args) => runtime(binary, root, args, bundle) });
    }
    assert.equal(runtimes[0]!.run(['spec']).status, 0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.root = { path: tree.root, readonly: true };
    config.process.terminal = false;
    config.process.args = ['sleep', '600'];
    // A filter to find again in every exec'd process: mkdir fails with EPERM.
    config.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  });
  after(() => {
    for (const rt of runtimes) for (const id of rt.run(['list', '-q']).stdout.split('\n').filter(Boolean)) rt.run(['delete', '--force', id]);
  });

  /** Runs FN with a running container ID under each runtime, deleted afterwards; returns FN's results. */
  async function eachRuntime<T>(id: string, fn: (rt: Runtime, initPid: number) => T | Promise<T>): Promise<Map<string, T>> {
    const results = new Map<string, T>();
    for (const rt of runtimes) {
      const started = rt.run(['run', '--detach', id]);
      assert.equal(started.status, 0, `${rt.name}: ${started.stderr}`);
      try {
        results.set(rt.name, await fn(rt, JSON.parse(rt.run(['state', id]).stdout).pid));
      } finally {
        rt.run(['delete', '--force', id]);
      }
    }
    return results;
  }

  /** Every runtime gave the same as ts-runc. */
  function assertSame<T>(results: Map<string, T>, expected?: T): void {
    const ours = results.get('ts-runc');
    if (expected !== undefined) assert.deepEqual(ours, expected);
    for (const [name, value] of results) assert.deepEqual(value, ours, `${name} differs from ts-runc`);
  }

  it('runs a command with its output and exit status, 128+N for a signal, and 255 with "exec failed:" for its own failures', async () => {
    const results = await eachRuntime('x-args', (rt) => {
      const hello = rt.run(['exec', 'x-args', 'sh', '-c', 'echo hello; exit 3']);
      const signalled = rt.run(['exec', 'x-args', 'sh', '-c', 'kill -TERM $$']);
      const missing = rt.run(['exec', 'x-args', 'no-such-command']);
      const empty = rt.run(['exec', 'x-args']);
      const relative = rt.run(['exec', '--cwd', 'tmp', 'x-args', 'pwd']);
      const nobody = rt.run(['exec', 'no-such-container', 'true']);
      return {
        hello: [hello.status, hello.stdout],
        signalled: signalled.status,
        failures: [missing, empty, relative, nobody].map((failure) => [failure.status, /level=error msg="exec failed: /.test(failure.stderr)]),
        emptyMessage: /exec failed: process args cannot be empty/.test(empty.stderr),
      };
    });
    assertSame(results, {
      hello: [3, 'hello\n'],
      signalled: 143,
      failures: [[255, true], [255, true], [255, true], [255, true]],
      emptyMessage: true,
    });
  });

  it('takes --user, --cwd and --env, and the container\'s seccomp filter and capabilities go with the process', async () => {
    const results = await eachRuntime('x-flags', (rt) => {
      const flags = rt.run(['exec', '--user', '1000:1000', '--cwd', '/tmp', '-e', 'FOO=bar', 'x-flags', 'sh', '-c', 'id -u; id -g; pwd; echo $FOO']);
      const status = rt.run(['exec', 'x-flags', 'grep', '-E', '^(Seccomp|CapEff|CapBnd|NoNewPrivs):', '/proc/self/status']);
      const mkdir = rt.run(['exec', 'x-flags', 'mkdir', '/tmp/d']);
      return { flags: flags.stdout, status: status.stdout, mkdir: [mkdir.status, /Operation not permitted/.test(mkdir.stderr)] };
    });
    assertSame(results);
    const ours = results.get('ts-runc')!;
    assert.equal(ours.flags, '1000\n1000\n/tmp\nbar\n');
    assert.match(ours.status, /^Seccomp:\t2$/m);
    assert.match(ours.status, /^NoNewPrivs:\t1$/m);
    assert.deepEqual(ours.mkdir, [1, true]);
  });

  it('runs the process of --process P.json (user, capabilities, no_new_privs, env, cwd) and refuses an invalid one', async () => {
    const processFile = join(tree.base, 'process.json');
    const badFile = join(tree.base, 'bad-process.json');
    const caps = ['CAP_KILL', 'CAP_CHOWN'];
    writeFileSync(processFile, JSON.stringify({
      terminal: false,
      user: { uid: 1000, gid: 1000, additionalGids: [5] },
      args: ['sh', '-c', 'id; pwd; echo $GREETING; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status'],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hi'],
      cwd: '/etc',
      // Ambient (with inheritable): kept in the effective set of a non-root user.
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps },
      noNewPrivileges: false,
    }));
    writeFileSync(badFile, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['true'], cwd: 'relative' }));
    const results = await eachRuntime('x-process', (rt) => {
      const ran = rt.run(['exec', '--process', processFile, 'x-process']);
      const bad = rt.run(['exec', '--process', badFile, 'x-process']);
      return { ran: [ran.status, ran.stdout], bad: bad.status };
    });
    assertSame(results);
    const [status, stdout] = results.get('ts-runc')!.ran as [number, string];
    assert.equal(status, 0);
    assert.match(stdout, /^uid=1000\(tester\) gid=1000\(tester\) groups=5\(tty\)/m);
    assert.match(stdout, /^\/etc\nhi\n/m);
    assert.match(stdout, /^CapEff:\t0000000000000021$/m);
    assert.match(stdout, /^NoNewPrivs:\t0$/m);
    assert.equal(results.get('ts-runc')!.bad, 255);
  });

  it('--detach --pid-file: the process keeps running with the stdio given, inside the container; ps lists exactly its PIDs', async () => {
    const results = await eachRuntime('x-detach', async (rt, initPid) => {
      const pidFile = join(tree.base, `${rt.name}.pid`);
      const outFile = join(tree.base, `${rt.name}.out`);
      const detached = rt.run(['exec', '--detach', '--pid-file', pidFile, 'x-detach', 'sleep', '60']);
      assert.equal(detached.status, 0, detached.stderr);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // runc's pid file may come just before the process's execve.
      await waitFor('the process to run sleep', () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
      assert.equal(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync(`/proc/${initPid}/ns/pid`));
      assert.equal(readlinkSync(`/proc/${pid}/root`), '/');
      assert.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${initPid}/cgroup`, 'utf8'));
      const listed = JSON.parse(rt.run(['ps', '--format', 'json', 'x-detach']).stdout) as number[];
      const table = rt.run(['ps', 'x-detach', '-o', 'pid,comm']).stdout;
      // The engine's stdio: a file the detached process writes to after the runtime has gone.
      const out = openSync(outFile, 'w');
      const writer = spawnSync(rt.name === 'runc' ? 'runc' : TS_RUNC, ['--root', join(tree.base, `${rt.name}-state`), 'exec', '-d', 'x-detach', 'sh', '-c', 'sleep 0.3; echo late'], {
        stdio: ['ignore', out, 'inherit'],
        cwd: bundle,
      });
      closeSync(out);
      assert.equal(writer.status, 0);
      await waitFor('the detached process to write', () => readFileSync(outFile, 'utf8') === 'late\n');
      return {
        listed: [...listed].sort((a, b) => a - b).join() === [initPid, pid].sort((a, b) => a - b).join(),
        table: table.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)[1]),
      };
    });
    assertSame(results, { listed: true, table: ['COMMAND', 'sleep', 'sleep'] });
  });

  it('--tty --detach sends the PTY master to --console-socket, and refuses a terminal without one as runc does', async () => {
    const results = await eachRuntime('x-tty', async (rt) => {
      const socket = join(tree.base, `${rt.name}-console.sock`);
      rmSync(socket, { force: true });
      const receiver = await consoleReceiver(socket);
      try {
        const noSocket = rt.run(['exec', '--tty', '--detach', 'x-tty', 'tty']);
        const sent = rt.run(['exec', '--tty', '--detach', '--console-socket', socket, 'x-tty', 'sh', '-c', 'tty; sleep 30']);
        assert.equal(sent.status, 0, sent.stderr);
        await waitFor('the terminal line', () => /\/dev\/pts\/\d+\s*$/.test(receiver.output()));
        return {
          noSocket: [noSocket.status, /cannot allocate tty if runc will detach without setting console socket/.test(noSocket.stderr)],
          tty: /^ready\n\S+ \/dev\/pts\/\d+\n$/.test(receiver.output()),
        };
      } finally {
        receiver.stop();
        rmSync(socket, { force: true });
      }
    });
    assertSame(results, { noSocket: [255, true], tty: true });
  });

  it('takes the PTY from the container\'s /dev/ptmx only inside its root, and only the PTY multiplexer', async () => {
    const results = await eachRuntime('x-ptmx', async (rt) => {
      const socket = join(tree.base, `${rt.name}-ptmx.sock`);
      const tty = async () => {
        rmSync(socket, { force: true });
        const receiver = await consoleReceiver(socket);
        try {
          const sent = rt.run(['exec', '--tty', '--detach', '--console-socket', socket, 'x-ptmx', 'sh', '-c', 'tty; sleep 30']);
          if (sent.status === 0) await waitFor('the terminal line', () => /\n\S+ \/dev\/pts\/\d+\n$/.test(receiver.output()));
          return sent.status;
        } finally {
          receiver.stop();
          rmSync(socket, { force: true });
        }
      };
      const inside = (script: string) => rt.run(['exec', '--cap', 'CAP_MKNOD', 'x-ptmx', 'sh', '-c', script]).status;
      // A symlink climbing out of the root resolves inside it: the container's own multiplexer.
      const climbed = [inside('rm /dev/ptmx && ln -s ../../../../../../dev/pts/ptmx /dev/ptmx'), await tty()];
      // Another device in its place (here /dev/null) is not opened as a terminal.
      const otherDevice = [inside('rm /dev/ptmx && mknod /dev/ptmx c 1 3'), await tty()];
      return { climbed, otherDevice };
    });
    assertSame(results, { climbed: [0, 0], otherDevice: [0, 255] });
  });

  it('pause freezes every process (state "paused"), refuses exec, and resume thaws; errors as runc\'s', async () => {
    const results = await eachRuntime('x-pause', async (rt, initPid) => {
      const notPaused = rt.run(['resume', 'x-pause']);
      assert.equal(rt.run(['pause', 'x-pause']).status, 0);
      const state = JSON.parse(rt.run(['state', 'x-pause']).stdout).status;
      const wasFrozen = frozen(initPid);
      await waitFor('init to be stopped by the freezer', () => processState(initPid) === 'D' || frozen(initPid));
      const twice = rt.run(['pause', 'x-pause']);
      const exec = rt.run(['exec', 'x-pause', 'true']);
      const listed = rt.run(['list']).stdout.includes('paused');
      const deleted = rt.run(['delete', 'x-pause']);
      assert.equal(rt.run(['resume', 'x-pause']).status, 0);
      return {
        notPaused: [notPaused.status, /container not paused/.test(notPaused.stderr)],
        state,
        wasFrozen,
        twice: [twice.status, /container not running/.test(twice.stderr)],
        exec: [exec.status, /cannot exec in a paused container/.test(exec.stderr)],
        listed,
        deleted: [deleted.status, /cannot delete container x-pause that is not stopped: paused/.test(deleted.stderr)],
        after: [JSON.parse(rt.run(['state', 'x-pause']).stdout).status, frozen(initPid)],
      };
    });
    assertSame(results, {
      notPaused: [1, true],
      state: 'paused',
      wasFrozen: true,
      twice: [1, true],
      exec: [255, true],
      listed: true,
      deleted: [1, true],
      after: ['running', false],
    });
  });

  it('--ignore-paused: exec into a paused container waits, frozen, until it is resumed, then runs', async () => {
    const results = await eachRuntime('x-ignore', async (rt) => {
      assert.equal(rt.run(['pause', 'x-ignore']).status, 0);
      const binary = rt.name === 'runc' ? 'runc' : TS_RUNC;
      const execed = spawn(binary, ['--root', join(tree.base, `${rt.name}-state`), 'exec', '--ignore-paused', 'x-ignore', 'sh', '-c', 'echo ran'], {
        cwd: bundle,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      execed.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const ended = new Promise<number | null>((resolve) => execed.on('close', (code) => resolve(code)));
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const waiting = execed.exitCode === null && output === '';
        assert.equal(rt.run(['resume', 'x-ignore']).status, 0);
        return { waiting, status: await ended, output };
      } finally {
        if (execed.exitCode === null) {
          rt.run(['resume', 'x-ignore']);
          execed.kill();
        }
      }
    });
    assertSame(results, { waiting: true, status: 0, output: 'ran\n' });
  });

  it('--cgroup: the process joins an existing sub-cgroup of the container\'s (on cgroup v1 per controller); a missing or outside one fails', async () => {
    const results = await eachRuntime('x-cgroup', (rt, initPid) => {
      const cgroups = readFileSync(`/proc/${initPid}/cgroup`, 'utf8');
      // cgroup v1: the pids hierarchy alone; v2: the one hierarchy.
      const v1 = /^\d+:pids:(.*)$/m.exec(cgroups)?.[1];
      const directory = v1 !== undefined ? `/sys/fs/cgroup/pids${v1}` : `/sys/fs/cgroup${/^0::(.*)$/m.exec(cgroups)![1]}`;
      const flag = (sub: string) => (v1 !== undefined ? `pids:${sub}` : sub);
      mkdirSync(join(directory, 'sub'));
      try {
        // Init's cgroups and the process's, as the container sees them (its cgroup namespace's root is init's).
        const joined = rt.run(['exec', '--cgroup', flag('sub'), 'x-cgroup', 'sh', '-c', 'cat /proc/1/cgroup; echo; cat /proc/self/cgroup']);
        const [init = '', self] = joined.stdout.split('\n\n');
        const missing = rt.run(['exec', '--cgroup', flag('nosub'), 'x-cgroup', 'true']);
        const outside = rt.run(['exec', '--cgroup', flag('../../x'), 'x-cgroup', 'true']);
        // In the sub-cgroup where asked, in the container's own everywhere else.
        const expected = init.replace(v1 !== undefined ? /^(\d+:pids:)(.*)$/m : /^(0::)(.*)$/m, (_, prefix: string, path: string) => `${prefix}${path.replace(/\/$/, '')}/sub`);
        return { joined: [joined.status, self?.trimEnd() === expected.trimEnd()], missing: missing.status, outside: outside.status };
      } finally {
        // Empty again (cat has ended); delete removes it otherwise, as the container's.
        rmdirSync(join(directory, 'sub'));
      }
    });
    assertSame(results, { joined: [0, true], missing: 255, outside: 255 });
  });

  it('kill of a paused container: a signal other than KILL waits for resume, KILL ends it', async () => {
    const results = await eachRuntime('x-kill', async (rt) => {
      assert.equal(rt.run(['pause', 'x-kill']).status, 0);
      const term = rt.run(['kill', 'x-kill', 'TERM']).status;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const afterTerm = JSON.parse(rt.run(['state', 'x-kill']).stdout).status;
      const kill = rt.run(['kill', 'x-kill', 'KILL']).status;
      await waitFor('the container to stop', () => JSON.parse(rt.run(['state', 'x-kill']).stdout).status === 'stopped');
      return { term, afterTerm, kill };
    });
    assertSame(results, { term: 0, afterTerm: 'paused', kill: 0 });
  });

  it('delete --force removes a paused container', async () => {
    for (const rt of runtimes) {
      assert.equal(rt.run(['run', '--detach', 'x-delete']).status, 0);
      const initPid = JSON.parse(rt.run(['state', 'x-delete']).stdout).pid;
      assert.equal(rt.run(['pause', 'x-delete']).status, 0);
      const deleted = rt.run(['delete', '--force', 'x-delete']);
      assert.equal(deleted.status, 0, `${rt.name}: ${deleted.stderr}`);
      await waitFor(`${rt.name}'s init to be gone`, () => {
        try {
          return processState(initPid) === 'Z';
        } catch {
          return true;
        }
      });
      assert.equal(rt.run(['list', '-q']).stdout, '');
    }
  });

  it('exec into a stopped container fails as runc\'s', async () => {
    const results = await eachRuntime('x-stopped', async (rt) => {
      assert.equal(rt.run(['kill', 'x-stopped', 'KILL']).status, 0);
      await waitFor('the container to stop', () => JSON.parse(rt.run(['state', 'x-stopped']).stdout).status === 'stopped');
      const exec = rt.run(['exec', 'x-stopped', 'true']);
      return [exec.status, /exec failed: cannot exec in a stopped container/.test(exec.stderr), rt.run(['ps', '--format', 'json', 'x-stopped']).stdout];
    });
    assertSame(results, [255, true, 'null\n']);
  });

  it('events --stats prints one stats event in runc\'s shape', async () => {
    const results = await eachRuntime('x-events', (rt) => {
      const events = rt.run(['events', '--stats', 'x-events']);
      assert.equal(events.status, 0, events.stderr);
      const lines = events.stdout.split('\n').filter(Boolean);
      const event = JSON.parse(lines[0]!);
      return { lines: lines.length, type: event.type, id: event.id, pids: event.data.pids.current, usage: event.data.cpu.usage.total > 0 && event.data.memory.usage.usage > 0 };
    });
    assertSame(results, { lines: 1, type: 'stats', id: 'x-events', pids: 1, usage: true });
  });
});
