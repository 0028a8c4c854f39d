/**
 * containerd (Debian's package), started by the test with a private
 * config, root, state and socket, running containers through the runc v2
 * shim with ts-runc as its runc (`ctr run --runc-binary`, which sets the
 * shim's BinaryName option, and `--runc-root` for its state). The image is
 * a busybox archive imported with `ctr image import` (no registry). After
 * the suite: tasks, containers, image, containerd and its shims gone, and
 * what containerd 1.6 writes outside its directories (shim sockets in
 * /run/containerd/s) removed when the suite created it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { existing, hasCommand, removeCgroupTree, topCgroups } from '../helpers/engines.js';
import { runToFiles, TS_RUNC, type Run } from '../helpers/oci-runtime.js';
import { writeImageArchive } from '../helpers/image-archive.js';
import { PtySession } from '../helpers/pty.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

const IMAGE = 'localhost/busybox:ts-runc-test';
const NAMESPACE = 'ts-runc-test';
/** The cgroup parent of the suite's containers (ctr's default would be the namespace's name). */
const CGROUP_PARENT = 'ts-runc-ctr-test';
/** containerd 1.6 keeps shim sockets here whatever its configured state directory. */
const CONTAINERD_RUN = '/run/containerd';

describe('containerd with ts-runc', { skip: !(hasCommand('containerd') && hasCommand('ctr')) && 'containerd is not installed (scripts/install-deps.sh --tests)' }, () => {
  const tree = useBusyboxTree();
  let base: string;
  let socket: string;
  let daemon: ChildProcess | undefined;
  let hostBefore: Set<string>;
  let cgroupsBefore: string[];

  const ctr = (args: string[], options: { timeoutMs?: number } = {}): Run => runToFiles('ctr', ['--address', socket, '--namespace', NAMESPACE, ...args], options);
  const ok = (args: string[]): string => {
    const result = ctr(args);
    assert.equal(result.status, 0, `ctr ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  /** ctr run's options that make the runc v2 shim run ts-runc, with private state, FIFOs and cgroup. */
  const runtime = (id: string) => ['--runc-binary', TS_RUNC, '--runc-root', join(base, 'runc'), '--fifo-dir', join(base, 'fifo'), '--cgroup', `${CGROUP_PARENT}/${id}`];
  const taskStatus = (id: string) => ok(['task', 'ls']).split('\n').find((line) => line.startsWith(`${id} `))?.trim().split(/\s+/)[2];
  const removeContainer = (id: string) => {
    ctr(['task', 'kill', '--signal', 'SIGKILL', id]);
    ctr(['task', 'delete', '--force', id]);
    ctr(['container', 'delete', id]);
  };

  before(async () => {
    base = join(tree.base, 'containerd');
    socket = join(base, 'containerd.sock');
    mkdirSync(join(base, 'fifo'), { recursive: true });
    hostBefore = existing([CONTAINERD_RUN]);
    cgroupsBefore = topCgroups(CGROUP_PARENT);
    writeFileSync(join(base, 'config.toml'), containerdConfig(base, socket));
    const log = openSync(join(base, 'containerd.log'), 'w');
    daemon = spawn('containerd', ['--config', join(base, 'config.toml')], { stdio: ['ignore', log, log] });
    closeSync(log);
    await waitFor('containerd to serve', () => {
      if (daemon?.exitCode !== null) throw new Error(`containerd ended: ${readFileSync(join(base, 'containerd.log'), 'utf8')}`);
      return existsSync(socket) && ctr(['version']).status === 0;
    }, 20_000);
    writeImageArchive(tree.root, IMAGE, join(base, 'busybox.tar'));
    ok(['image', 'import', join(base, 'busybox.tar')]);
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      for (const id of ctr(['container', 'ls', '--quiet']).stdout.split('\n').filter(Boolean)) removeContainer(id);
      ctr(['image', 'rm', IMAGE]);
      const exited = new Promise((resolve) => daemon!.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
    }
    // Shims leave with their last task; one that did not is ended by its PID (it names our socket).
    const shims = processesMentioning(socket);
    for (const pid of shims) process.kill(pid, 'SIGKILL');
    for (const parent of topCgroups(CGROUP_PARENT)) if (!cgroupsBefore.includes(parent)) removeCgroupTree(parent);
    if (!hostBefore.has(CONTAINERD_RUN)) rmSync(CONTAINERD_RUN, { recursive: true, force: true });
    assert.deepEqual(shims, [], 'every shim left with its task');
    assert.deepEqual(topCgroups(CGROUP_PARENT), cgroupsBefore, 'no cgroup of the containers is left');
    const runcRoot = join(base, 'runc');
    const left = existsSync(runcRoot) ? readdirSync(runcRoot).flatMap((ns) => readdirSync(join(runcRoot, ns))) : [];
    assert.deepEqual(left, [], 'ts-runc deleted every container');
  });

  it('ctr run --rm: the output and exit status of the container, the shim calling ts-runc', () => {
    const result = ctr(['run', '--rm', ...runtime('first'), IMAGE, 'first', 'sh', '-c', 'echo hello; tr "\\0" " " < /proc/1/cmdline; echo; exit 3']);
    assert.equal(result.status, 3, result.stderr);
    assert.equal(result.stdout, 'hello\nsh -c echo hello; tr "\\0" " " < /proc/1/cmdline; echo; exit 3 \n');
    assert.equal(ok(['container', 'ls', '--quiet']), '');
  });

  it('ctr run --tty gives the container a terminal, which the shim sizes through the PTY master', async () => {
    // ctr 1.6 writes no process.consoleSize: the shim resizes the terminal once the task started.
    const waitForSize = 'for i in $(seq 100); do s=$(stty size 2>/dev/null); [ "$s" = "30 100" ] && break; sleep 0.05; done; echo "size $s"';
    const session = new PtySession(['ctr', '--address', socket, '--namespace', NAMESPACE, 'run', '--rm', '--tty', ...runtime('tty'), IMAGE, 'tty',
      'sh', '-c', `tty; ${waitForSize}; exit 4`], { rows: 30, cols: 100 });
    try {
      await session.expect(/size 30 100/, { timeoutMs: 20_000 });
      assert.match(session.transcript, /\/dev\/(pts\/\d+|console)/);
      assert.equal(await session.exited, 4);
    } finally {
      session.close();
    }
  });

  it('ctr task kill delivers the signal; the task ends with its handler\'s status', async () => {
    const foreground = spawn('ctr', ['--address', socket, '--namespace', NAMESPACE, 'run', ...runtime('signalled'), IMAGE, 'signalled',
      'sh', '-c', 'trap "echo got USR1; exit 9" USR1; echo ready; while :; do sleep 0.1; done'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    foreground.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const status = new Promise<number | null>((resolve) => foreground.on('close', resolve));
    try {
      await waitFor('the task to run', () => output.includes('ready'), 20_000);
      assert.equal(taskStatus('signalled'), 'RUNNING');
      ok(['task', 'kill', '--signal', 'SIGUSR1', 'signalled']);
      assert.equal(await status, 9);
      assert.equal(output, 'ready\ngot USR1\n');
    } finally {
      foreground.kill('SIGKILL');
      removeContainer('signalled');
    }
  });

  it('ctr task metrics reads the container\'s cgroup: its memory limit and processes', () => {
    ok(['run', '--detach', '--memory-limit', String(64 * 1024 * 1024), ...runtime('measured'), IMAGE, 'measured', 'sleep', '60']);
    try {
      const metrics = ok(['task', 'metrics', 'measured']);
      // cgroup v1 names (this host); v2 shows memory.max-style names.
      assert.match(metrics, new RegExp(`^memory\\.(limit_in_bytes|max)\\s+${64 * 1024 * 1024}\\s*$`, 'm'));
      assert.match(metrics, /^pids\.current\s+1\s*$/m);
    } finally {
      removeContainer('measured');
    }
  });

  it('ctr task exec runs a process in the container with its own status', () => {
    ok(['run', '--detach', ...runtime('execme'), IMAGE, 'execme', 'sleep', '60']);
    try {
      const result = ctr(['task', 'exec', '--exec-id', 'one', '--cwd', '/tmp', 'execme', 'sh', '-c', 'pwd; tr "\\0" " " < /proc/1/cmdline; exit 5']);
      assert.equal(result.status, 5, result.stderr);
      assert.equal(result.stdout, '/tmp\nsleep 60 ');
    } finally {
      removeContainer('execme');
    }
  });

  it('ctr task ps lists the container\'s processes', () => {
    ok(['run', '--detach', ...runtime('listed'), IMAGE, 'listed', 'sleep', '60']);
    try {
      const pid = ok(['task', 'ls']).split('\n').find((line) => line.startsWith('listed '))?.trim().split(/\s+/)[1];
      assert.match(ok(['task', 'ps', 'listed']), new RegExp(`^${pid}\\s`, 'm'));
    } finally {
      removeContainer('listed');
    }
  });

  it('ctr task pause freezes the task and resume thaws it', () => {
    ok(['run', '--detach', ...runtime('frozen'), IMAGE, 'frozen', 'sleep', '60']);
    try {
      ok(['task', 'pause', 'frozen']);
      assert.equal(taskStatus('frozen'), 'PAUSED');
      ok(['task', 'resume', 'frozen']);
      assert.equal(taskStatus('frozen'), 'RUNNING');
    } finally {
      removeContainer('frozen');
    }
  });
});

/** A containerd config for BASE: everything below it, no CRI (no CNI, no sandbox image), no /opt plugin directory. */
function containerdConfig(base: string, socket: string): string {
  return `version = 2
root = "${base}/root"
state = "${base}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${socket}"

[ttrpc]
  address = "${socket}.ttrpc"
`;
}

/** PIDs of processes whose command line mentions TEXT. */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}
