/**
 * Named, detached containers and their management: list, status, exec,
 * attach, logs, stop, kill, rm, gc, and recovery from a killed monitor.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CLI, runCli } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { PtySession } from '../helpers/pty.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';
import { waitFor } from '../helpers/wait.js';

interface Listed {
  id: string;
  status: string;
  pid: number;
  bundle: string;
  supervisor?: { pid: number };
  exit?: { status: number };
}

async function listed(): Promise<Listed[]> {
  const result = await runCli(['list', '--json']);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Listed[];
}

async function statusOf(name: string): Promise<Listed> {
  const result = await runCli(['status', name, '--json']);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Listed;
}

/** cgroup v2: frozen tasks sleep (S) rather than D; the cgroup says it. */
function frozenV2(pid: number): boolean {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((entry) => entry.startsWith('0::'));
  try {
    return line !== undefined && /^frozen 1$/m.test(readFileSync(`/sys/fs/cgroup${line.slice(3)}/cgroup.events`, 'utf8'));
  } catch {
    return false;
  }
}

describe('lifecycle', () => {
  let tree: TestRoot;
  let state: HostState;
  const started = new Set<string>();

  const detach = async (name: string, ...command: string[]) => {
    const result = await runCli(['run', '-d', '-M', name, '-D', tree.root, ...command]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${name}\n`);
    started.add(name);
    return result;
  };

  before(() => {
    tree = makeBusyboxRoot();
    state = hostState();
  });
  after(async () => {
    try {
      for (const name of started) await runCli(['rm', '-f', name]);
      await assertHostUnchanged(state);
    } finally {
      tree.remove();
    }
  });

  it('starts detached containers and lists them', async () => {
    await detach('lc-list', '/bin/sh', '-c', 'echo started; exec sleep 30');
    const entry = (await listed()).find((record) => record.id === 'lc-list');
    assert.equal(entry?.status, 'running');
    assert.equal(entry?.bundle, tree.root);
    assert.ok((entry?.pid ?? 0) > 1);
    const table = await runCli(['list']);
    assert.match(table.stdout, /^NAME\s+STATE\s+PID\s+ADDRESS\s+UPTIME\s+ROOT\s+COMMAND$/m);
    assert.match(table.stdout, /^lc-list\s+running\s+\d+\s+-\s+\d+s\s+\S+\s+\/bin\/sh -c echo started; exec sleep 30$/m);
    const status = await statusOf('lc-list');
    for (const field of ['ociVersion', 'id', 'status', 'pid', 'bundle', 'annotations']) assert.ok(field in status, field);
  });

  it('execs in the container: same PID namespace, files and hostname; status passes through', async () => {
    await detach('lc-exec', '/bin/sh', '-c', 'echo hi > /tmp/from-init; exec sleep 30');
    await waitFor('the init file', async () => (await runCli(['exec', 'lc-exec', 'cat', '/tmp/from-init'])).stdout === 'hi\n');
    const result = await runCli(['exec', 'lc-exec', '/bin/sh', '-c', 'echo "pid=$$"; cat /proc/1/comm; hostname; exit 3']);
    assert.equal(result.status, 3, result.stderr);
    const [pidLine, comm, hostname] = result.stdout.trim().split('\n');
    assert.ok(Number(pidLine?.slice(4)) > 1, `exec runs as a PID > 1, got ${pidLine}`);
    assert.equal(comm, 'sleep');
    assert.equal(hostname, 'lc-exec');
    const piped = await runCli(['exec', 'lc-exec', 'cat'], { input: 'through\n' });
    assert.equal(piped.stdout, 'through\n');
    const user = await runCli(['exec', '-u', '1000', '-E', 'X=y', '--chdir', '/tmp', 'lc-exec', '/bin/sh', '-c', 'id -u; echo $X; pwd']);
    assert.equal(user.stdout, '1000\ny\n/tmp\n');
  });

  it('execs with a terminal (-t) through a real PTY', async () => {
    await detach('lc-exec-tty', 'sleep', '30');
    const session = new PtySession([CLI, 'exec', 'lc-exec-tty', '/bin/sh'], { rows: 30, cols: 90 });
    try {
      await session.expect('Press Ctrl-] three times within 1s to end this command.');
      // The PTY is the container's own (its devpts): the shell finds its terminal by name.
      session.send('[ -t 0 ] && echo "tty-$((3*3))"; tty; stty size; exit 4\r');
      await session.expect(/tty-9\r?\n\/dev\/pts\/\d+\r?\n30 90/);
      assert.equal(await session.exited, 4);
    } finally {
      session.close();
    }
  });

  it('keeps logs after exit, with -n', async () => {
    await detach('lc-logs', '/bin/sh', '-c', 'echo one; echo two >&2; echo three');
    await waitFor('the container to stop', async () => (await statusOf('lc-logs')).status === 'stopped');
    assert.equal((await runCli(['logs', 'lc-logs'])).stdout, 'one\ntwo\nthree\n');
    assert.equal((await runCli(['logs', '-n', '2', 'lc-logs'])).stdout, 'two\nthree\n');
    assert.equal((await statusOf('lc-logs')).exit?.status, 0);
  });

  it('follows logs until the container stops', async () => {
    await detach('lc-follow', '/bin/sh', '-c', 'for i in 1 2 3; do echo "line $i"; sleep 0.2; done');
    const result = await runCli(['logs', '-f', 'lc-follow']);
    assert.equal(result.stdout, 'line 1\nline 2\nline 3\n');
  });

  it('stops gracefully, and with SIGKILL after the time-out when SIGTERM is ignored', async () => {
    await detach('lc-stop', '/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.1; done");
    assert.equal((await runCli(['stop', 'lc-stop'])).status, 0);
    assert.equal((await statusOf('lc-stop')).exit?.status, 0);

    await detach('lc-stubborn', '/bin/sh', '-c', "trap '' TERM; while :; do sleep 0.1; done");
    const begin = Date.now();
    assert.equal((await runCli(['stop', '--timeout', '1', 'lc-stubborn'])).status, 0);
    assert.ok(Date.now() - begin >= 1000, 'waited for the time-out');
    assert.equal((await statusOf('lc-stubborn')).exit?.status, 137);
  });

  it('sends signals by name and number, to PID 1 or all processes', async () => {
    await detach('lc-kill', '/bin/sh', '-c', "trap 'echo got-usr1' USR1; trap 'echo got-hup' HUP; echo ready; while :; do sleep 0.1; done");
    await waitFor('ready', async () => (await runCli(['logs', 'lc-kill'])).stdout.includes('ready'));
    assert.equal((await runCli(['kill', 'lc-kill', 'USR1'])).status, 0);
    await waitFor('USR1', async () => (await runCli(['logs', 'lc-kill'])).stdout.includes('got-usr1'));
    assert.equal((await runCli(['kill', 'lc-kill', '1'])).status, 0);
    await waitFor('HUP', async () => (await runCli(['logs', 'lc-kill'])).stdout.includes('got-hup'));
    assert.equal((await runCli(['kill', '--all', 'lc-kill', 'SIGKILL'])).status, 0);
    await waitFor('the container to stop', async () => (await statusOf('lc-kill')).status === 'stopped');
    assert.equal((await statusOf('lc-kill')).exit?.status, 137);
  });

  it('pauses and resumes a container: list says paused, its processes are frozen, exec is refused', async () => {
    await detach('lc-pause', 'sleep', '30');
    const pid = (await statusOf('lc-pause')).pid;
    assert.equal((await runCli(['pause', 'lc-pause'])).status, 0);
    assert.match((await runCli(['list'])).stdout, /^lc-pause\s+paused\s/m);
    await waitFor('the freezer to stop it', () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('D') || frozenV2(pid));
    const again = await runCli(['pause', 'lc-pause']);
    assert.deepEqual([again.status, again.stderr], [125, "ts-nspawn: container 'lc-pause' is paused already\n"]);
    const exec = await runCli(['exec', 'lc-pause', 'true']);
    assert.deepEqual([exec.status, exec.stderr], [125, "ts-nspawn: container 'lc-pause' is paused: resume it first\n"]);
    assert.equal((await runCli(['resume', 'lc-pause'])).status, 0);
    assert.match((await runCli(['list'])).stdout, /^lc-pause\s+running\s/m);
    const notPaused = await runCli(['resume', 'lc-pause']);
    assert.deepEqual([notPaused.status, notPaused.stderr], [125, "ts-nspawn: container 'lc-pause' is not paused\n"]);
    assert.equal((await runCli(['exec', 'lc-pause', 'true'])).status, 0);
  });

  it('attaches to a booted busybox init and detaches without killing it', async () => {
    const boot = await runCli(['boot', '-d', '-M', 'lc-boot', '-D', tree.root]);
    assert.equal(boot.status, 0, boot.stderr);
    started.add('lc-boot');
    const session = new PtySession([CLI, 'attach', 'lc-boot']);
    try {
      await session.expect('Press Ctrl-] three times within 1s to detach from container.');
      session.send('\recho "attached-$((2+3))"\r');
      await session.expect('attached-5');
      session.send('\x1d\x1d\x1d');
      assert.equal(await session.exited, 0);
    } finally {
      session.close();
    }
    assert.equal((await statusOf('lc-boot')).status, 'running');
    assert.equal((await runCli(['stop', 'lc-boot'])).status, 0);
  });

  it('starts a detached booted OS again after reboot, keeping its log; stop ends it for good', async () => {
    const boot = await runCli(['boot', '-d', '-M', 'lc-reboot', '-D', tree.root]);
    assert.equal(boot.status, 0, boot.stderr);
    started.add('lc-reboot');
    const first = (await statusOf('lc-reboot')).pid;
    // The shutdown that reboot starts may SIGTERM the exec'd reboot itself first.
    assert.ok([0, 143].includes((await runCli(['exec', '-P', 'lc-reboot', 'reboot'])).status ?? -1));
    await waitFor('a new PID 1', async () => {
      const now = await statusOf('lc-reboot');
      return now.status === 'running' && now.pid !== first;
    }, 20_000);
    const log = (await runCli(['logs', 'lc-reboot'])).stdout;
    assert.equal(log.match(/busybox init: booted/g)?.length, 2, 'one log across both boots');
    assert.equal((await runCli(['stop', 'lc-reboot'])).status, 0);
    const stopped = await statusOf('lc-reboot');
    assert.equal(stopped.status, 'stopped');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await statusOf('lc-reboot')).status, 'stopped', 'not started again after stop');
  });

  it('refuses a name that is taken, naming the running container', async () => {
    await detach('lc-dup', 'sleep', '30');
    const second = await runCli(['run', '-d', '-M', 'lc-dup', '-D', tree.root, 'sleep', '30']);
    assert.equal(second.status, 125);
    assert.match(second.stderr, /^ts-nspawn: a container named 'lc-dup' is running \(PID \d+\); choose another name with -M\n$/);
  });

  it('starts 20 containers in parallel with distinct names', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => runCli(['run', '-d', '-D', tree.root, 'sleep', '30'])));
    const names = results.map((result) => {
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim();
    });
    for (const name of names) started.add(name);
    assert.equal(new Set(names).size, 20);
    const running = (await listed()).filter((record) => names.includes(record.id) && record.status === 'running');
    assert.equal(running.length, 20);
    const removal = await runCli(['rm', '-f', ...names]);
    assert.equal(removal.status, 0, removal.stderr);
    assert.deepEqual((await listed()).filter((record) => names.includes(record.id)), []);
  });

  it('rejects bad input clearly and harmlessly', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['exec', 'lc-nonexistent', 'true'], /^ts-nspawn: no container named 'lc-nonexistent': see ts-nspawn list\n$/],
      [['stop', 'lc-nonexistent'], /no container named 'lc-nonexistent'/],
      [['logs', 'lc-nonexistent'], /no container named 'lc-nonexistent'/],
      [['kill', 'lc-logs', 'NOSUCHSIG'], /^ts-nspawn: unknown signal 'NOSUCHSIG'/],
      [['stop', '--timeout=-1', 'lc-logs'], /^ts-nspawn: invalid --timeout '-1': expected a number of 0 or more/],
      [['exec', 'lc-logs', 'true'], /^ts-nspawn: container 'lc-logs' is not running \(stopped\)/],
      [['attach', 'lc-logs'], /is not running/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.status, 125, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1);
    }
  });
  it('recovers from a SIGKILLed monitor: the container dies and gc removes every leftover', async () => {
    await detach('lc-crash', 'sleep', '30');
    const status = await statusOf('lc-crash');
    assert.ok(status.supervisor?.pid);
    process.kill(status.supervisor.pid, 'SIGKILL');
    await waitFor('PID 1 to die with its monitor', async () => {
      try {
        process.kill(status.pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    const gc = await runCli(['gc']);
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(gc.stdout, /^removed lc-crash$/m);
    assert.equal((await runCli(['status', 'lc-crash'])).status, 125);
  });

});
