/**
 * containerd (Debian's package), started by the test with a private
 * config, root, state and socket, running containers through the runc v2
 * shim with ts-runc as its runc: with `ctr run --runc-binary` (which sets
 * the shim's BinaryName option, and `--runc-root` for its state), and
 * through the CRI plugin, as the kubelet would, with ts-runc registered as
 * a runtime handler in the config (`runtimes.ts-runc.options.BinaryName`,
 * the README's form) and a small CRI client of the test's own (Debian has
 * no crictl). The images are busybox archives imported with `ctr image
 * import` (no registry). After the suite: tasks, containers, pods,
 * images, containerd and its shims gone, and what containerd 1.6 writes
 * outside its directories (shim sockets in /run/containerd/s) removed
 * when the suite created it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { criCall, stringField, type Message } from '../helpers/cri-client.js';
import { existing, hasCommand, removeCgroupTree, topCgroups } from '../helpers/engines.js';
import { runToFiles, TS_RUNC, type Run } from '../helpers/oci-runtime.js';
import { writeImageArchive } from '../helpers/image-archive.js';
import { PtySession } from '../helpers/pty.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

const IMAGE = 'localhost/busybox:ts-runc-test';
/** The CRI plugin's pod sandbox image: a process that just waits, as pause does. */
const PAUSE_IMAGE = 'localhost/pause:ts-runc-test';
const NAMESPACE = 'ts-runc-test';
/** The containerd namespace of the CRI plugin's containers. */
const CRI_NAMESPACE = 'k8s.io';
/** The cgroup parent of the suite's containers (ctr's default would be the namespace's name). */
const CGROUP_PARENT = 'ts-runc-ctr-test';
/** CRI's NamespaceMode NODE: the host's (network) namespace. */
const NODE_NAMESPACE = 2;
/** containerd 1.6 keeps shim sockets here whatever its configured state directory. */
const CONTAINERD_RUN = '/run/containerd';

describe('containerd with ts-runc', { skip: !(hasCommand('containerd') && hasCommand('ctr')) && 'containerd is not installed (scripts/install-deps.sh --tests)' }, () => {
  const tree = useBusyboxTree();
  let base: string;
  let socket: string;
  let daemon: ChildProcess | undefined;
  let hostBefore: Set<string>;
  let cgroupsBefore: string[];

  const ctr = (args: string[], options: { timeoutMs?: number; namespace?: string } = {}): Run =>
    runToFiles('ctr', ['--address', socket, '--namespace', options.namespace ?? NAMESPACE, ...args], options);
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
    mkdirSync(join(base, 'cni'), { recursive: true });
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
    // The CRI plugin's images, in its namespace: the sandbox's is never pulled then.
    writeImageArchive(tree.root, PAUSE_IMAGE, join(base, 'pause.tar'), ['sleep', '1000000']);
    for (const archive of ['busybox.tar', 'pause.tar']) {
      const imported = ctr(['image', 'import', join(base, archive)], { namespace: CRI_NAMESPACE });
      assert.equal(imported.status, 0, imported.stderr);
    }
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      for (const id of ctr(['container', 'ls', '--quiet']).stdout.split('\n').filter(Boolean)) removeContainer(id);
      ctr(['image', 'rm', IMAGE]);
      ctr(['image', 'rm', IMAGE, PAUSE_IMAGE], { namespace: CRI_NAMESPACE });
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

  it('the CRI plugin runs a pod through the ts-runc runtime handler: sandbox, container, exec, stop, remove', async () => {
    const cri = (method: string, request: Message) => criCall(socket, method, request);
    const tsRunc = (args: string[]) => runToFiles(TS_RUNC, ['--root', join(base, 'runc', CRI_NAMESPACE), ...args]);
    const state = (id: string) => JSON.parse(tsRunc(['state', id]).stdout) as { status: string; pid: number };
    // PodSandboxConfig: metadata, log directory, linux: cgroup parent and the host's network (no CNI).
    const sandbox: Message = [
      [1, [[1, 'pod'], [2, 'pod-uid'], [3, 'default'], [4, 0]]],
      [3, join(base, 'pod-logs')],
      [8, [[1, CGROUP_PARENT], [2, [[1, [[1, NODE_NAMESPACE]]]]]]],
    ];
    const pod = stringField(await cri('RunPodSandbox', [[1, sandbox], [2, 'ts-runc']]), 1);
    try {
      // ts-runc (its state under the handler's Root) runs the sandbox.
      assert.equal(state(pod).status, 'running');
      // ContainerConfig: metadata, image, command, log path.
      const config: Message = [[1, [[1, 'work']]], [2, [[1, IMAGE]]], [3, 'sleep'], [4, '600'], [11, 'work.log']];
      const container = stringField(await cri('CreateContainer', [[1, pod], [2, config], [3, sandbox]]), 1);
      await cri('StartContainer', [[1, container]]);
      const { pid } = state(container);
      assert.equal(state(container).status, 'running');
      // In the pod's PID namespace, whose PID 1 is the sandbox's process.
      assert.equal(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync(`/proc/${state(pod).pid}/ns/pid`));
      const exec = await cri('ExecSync', [[1, container], [2, 'sh'], [2, '-c'], [2, 'tr "\\0" " " < /proc/1/cmdline; exit 3'], [3, 20]]);
      assert.deepEqual([String(exec.get(1)?.[0] ?? ''), exec.get(3)?.[0]], ['sleep 1000000 ', 3]);
      // Stopped: the shim has deleted it from ts-runc once it ended.
      await cri('StopContainer', [[1, container], [2, 10]]);
      assert.match(tsRunc(['state', container]).stderr, /container does not exist/);
      await cri('RemoveContainer', [[1, container]]);
    } finally {
      await cri('StopPodSandbox', [[1, pod]]);
      await cri('RemovePodSandbox', [[1, pod]]);
    }
    assert.equal(tsRunc(['list', '--quiet']).stdout, '');
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

/**
 * A containerd config for BASE: everything below it, no /opt plugin
 * directory. The CRI plugin has ts-runc as a runtime handler, registered
 * as the README says, its state kept below BASE too (`Root`); its sandbox
 * image is the test's; CNI is left unconfigured (the test's pods use the
 * host's network, which needs none) in a directory of BASE; its streaming
 * server listens on loopback only; the OOM score it asks for is kept at
 * containerd's own or above (`restrict_oom_score_adj`), as a runtime
 * without CAP_SYS_RESOURCE cannot lower it.
 */
function containerdConfig(base: string, socket: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${base}/root"
state = "${base}/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${socket}"

[ttrpc]
  address = "${socket}.ttrpc"

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  restrict_oom_score_adj = true
[${cri}.cni]
  bin_dir = "${base}/cni"
  conf_dir = "${base}/cni"
[${cri}.containerd]
  default_runtime_name = "runc"
[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[${cri}.containerd.runtimes.ts-runc]
  runtime_type = "io.containerd.runc.v2"
[${cri}.containerd.runtimes.ts-runc.options]
  BinaryName = "${TS_RUNC}"
  Root = "${base}/runc"
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
