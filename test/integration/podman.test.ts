/**
 * podman (Debian's package) running containers through ts-runc, from a
 * busybox image loaded from a local tarball (no registry). podman gets a
 * private configuration only: its own storage root and run root, a
 * containers.conf (CONTAINERS_CONF) that registers ts-runc as a runtime
 * and chooses cgroupfs, file events, file locks and no network, and a
 * storage.conf (CONTAINERS_STORAGE_CONF). Nothing system-wide is written:
 * what podman would put outside its directories (its image blob cache,
 * its libpod_parent cgroup, ts-runc's default state directory) is checked
 * and removed after.
 */
import { containersConf } from '../helpers/podman-config.js';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { existing, hasCommand, removeCgroupTree, topCgroups, unmountBelow } from '../helpers/engines.js';
import { runToFiles, TS_RUNC, type Run } from '../helpers/oci-runtime.js';
import { writeImageArchive } from '../helpers/image-archive.js';
import { PtySession } from '../helpers/pty.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

const IMAGE = 'localhost/busybox:ts-runc-test';
/** Where ts-runc keeps its state when podman calls it (podman passes no --root, as with runc). */
const RUNTIME_STATE = '/run/ts-runc';
/** Written by containers/image on `podman load` as root, whatever the storage root: kept off the host (see load). */
const BLOB_CACHE_PARENT = '/var/lib/containers';

describe('podman with ts-runc', { skip: !hasCommand('podman') && 'podman is not installed (scripts/install-deps.sh --tests)' }, () => {
  let base: string;
  let env: NodeJS.ProcessEnv;
  let globals: string[];
  let stateBefore: string[];
  let hostBefore: Set<string>;
  let cgroupParentsBefore: string[];

  const podman = (args: string[], options: { timeoutMs?: number; extraFds?: number[] } = {}): Run => runToFiles('podman', [...globals, ...args], { env, ...options });
  const ok = (args: string[]): string => {
    const result = podman(args);
    assert.equal(result.status, 0, `podman ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  /** `podman run --rm --network none IMAGE sh -c SCRIPT` with OPTIONS before the image. */
  const runScript = (options: string[], script: string): Run => podman(['run', '--rm', '--network', 'none', ...options, IMAGE, 'sh', '-c', script]);

  // Registered before useBusyboxTree's clean-up, so that it runs first: podman's storage lives in the tree's base.
  after(() => {
    if (!env) return;
    podman(['rm', '--all', '--force', '--time', '0']);
    podman(['rmi', '--all', '--force']);
    // containers/storage may keep its overlay directory mounted on itself: undone before the tree goes.
    unmountBelow(base);
    // podman's cgroup parent (and conmon's cgroup in it) when this suite made it.
    for (const parent of topCgroups('libpod_parent')) if (!cgroupParentsBefore.includes(parent)) removeCgroupTree(parent);
    if (!hostBefore.has(RUNTIME_STATE)) {
      try {
        rmdirSync(RUNTIME_STATE);
      } catch {
        // not empty: reported below
      }
    }
    assert.deepEqual(listDirectory(RUNTIME_STATE), stateBefore, 'every container ts-runc made for podman is deleted');
    assert.deepEqual(topCgroups('libpod_parent'), cgroupParentsBefore, 'no cgroup of podman is left');
    assert.equal(existsSync(BLOB_CACHE_PARENT), hostBefore.has(BLOB_CACHE_PARENT), 'podman wrote nothing to /var/lib');
  });

  const tree = useBusyboxTree();

  before(() => {
    base = join(tree.base, 'podman');
    for (const directory of ['root', 'runroot', 'tmp', 'networks', 'volumes', 'data']) mkdirSync(join(base, directory), { recursive: true });
    stateBefore = listDirectory(RUNTIME_STATE);
    hostBefore = existing([RUNTIME_STATE, BLOB_CACHE_PARENT]);
    cgroupParentsBefore = topCgroups('libpod_parent');
    // What --read-only's tmpfs on /run must show (runc's tmpcopyup).
    mkdirSync(join(tree.root, 'run/image'), { recursive: true });
    writeFileSync(join(tree.root, 'run/image/marker'), 'from the image\n');
    // Copied as a link, never followed (else the copy would take in the whole root).
    symlinkSync('/', join(tree.root, 'run/image/root-link'));
    writeImageArchive(tree.root, IMAGE, join(base, 'busybox.tar'));
    writeFileSync(join(base, 'containers.conf'), containersConf(base, TS_RUNC, { defaultRuntime: 'ts-runc' }));
    writeFileSync(join(base, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${base}/root"\nrunroot = "${base}/runroot"\n`);
    env = { ...process.env, CONTAINERS_CONF: join(base, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(base, 'storage.conf') };
    globals = ['--root', join(base, 'root'), '--runroot', join(base, 'runroot')];
    // containers/image writes its blob-info cache to /var/lib/containers/cache for root, whatever
    // the storage root: the load runs with a private, empty /var/lib.
    const load = runToFiles('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /var/lib && exec "$@"', 'sh', 'podman', ...globals, 'load', '-q', '-i', join(base, 'busybox.tar')], { env });
    assert.equal(load.status, 0, load.stderr);
  });

  it('runs a container with ts-runc: output, exit status, the default hostname, containers.conf limits, nothing left', () => {
    assert.equal(ok(['info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}']).trim(), `ts-runc ${TS_RUNC}`);
    const result = runScript(['--name', 'first'], 'echo hello; hostname; ulimit -n; exit 3');
    assert.equal(result.status, 3, result.stderr);
    const [hello, hostname, nofile] = result.stdout.split('\n');
    assert.equal(hello, 'hello');
    // podman's default hostname: the first 12 hex digits of the container ID.
    assert.match(hostname ?? '', /^[0-9a-f]{12}$/);
    assert.equal(nofile, '1024');
    assert.equal(ok(['ps', '--all', '--quiet']), '');
    assert.deepEqual(listDirectory(RUNTIME_STATE), stateBefore);
  });

  it('--preserve-fds: run and exec hand the caller\'s fd 3 through conmon and ts-runc to the process', () => {
    const file = join(base, 'preserved');
    writeFileSync(file, 'from the caller\n');
    const fd = openSync(file, 'r');
    try {
      const ran = podman(['run', '--rm', '--network', 'none', '--preserve-fds', '1', IMAGE, 'sh', '-c', 'cat <&3'], { extraFds: [fd] });
      assert.equal(ran.status, 0, ran.stderr);
      assert.equal(ran.stdout, 'from the caller\n');
      ok(['run', '--detach', '--name', 'preserving', '--network', 'none', IMAGE, 'sleep', '60']);
      try {
        const execed = podman(['exec', '--preserve-fds', '1', 'preserving', 'sh', '-c', 'cat /proc/self/fd/3'], { extraFds: [fd] });
        assert.equal(execed.status, 0, execed.stderr);
        assert.equal(execed.stdout, 'from the caller\n');
      } finally {
        podman(['rm', '--force', '--time', '0', 'preserving']);
      }
    } finally {
      closeSync(fd);
    }
  });

  it('takes ts-runc by path with --runtime, as engines are told', () => {
    const result = podman(['--runtime', TS_RUNC, 'run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'exit 0']);
    assert.equal(result.status, 0, result.stderr);
  });

  it('passes -e, -w, --user and --hostname', () => {
    const result = runScript(['-e', 'GREETING=from podman', '-w', '/tmp', '--user', '1000:1000', '--hostname', 'podhost'], 'echo "$GREETING"; pwd; id -u; id -g; hostname');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'from podman\n/tmp\n1000\n1000\npodhost\n');
  });

  it('--read-only: the root refuses writes, its tmpfs mounts start with the image\'s files', () => {
    const result = runScript(['--read-only'], 'touch /new 2>&1; echo "status $?"; touch /tmp/ok && echo tmp-writable; cat /run/image/marker; readlink /run/image/root-link; grep " /run " /proc/mounts');
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 5), ['touch: /new: Read-only file system', 'status 1', 'tmp-writable', 'from the image', '/']);
    assert.match(lines[5] ?? '', /^tmpfs \/run tmpfs rw,nosuid,nodev/);
  });

  it('-v binds host directories read-write and read-only, --tmpfs mounts a sized tmpfs', () => {
    const data = join(base, 'data');
    writeFileSync(join(data, 'in'), 'host file\n');
    const result = runScript(
      ['-v', `${data}:/data`, '-v', `${data}:/data-ro:ro`, '--tmpfs', '/scratch:size=1m'],
      'cat /data/in; echo from-container > /data/out; touch /data-ro/x 2>&1; grep " /scratch " /proc/mounts',
    );
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], 'host file');
    assert.equal(lines[1], 'touch: /data-ro/x: Read-only file system');
    assert.match(lines[2] ?? '', /^tmpfs \/scratch tmpfs rw,.*size=1024k/);
    assert.equal(readFileSync(join(data, 'out'), 'utf8'), 'from-container\n');
  });

  it('-d, ps, logs, stop (SIGTERM, then the exit status), rm', async () => {
    const id = ok(['run', '-d', '--network', 'none', '--name', 'web', IMAGE, 'sh', '-c', 'trap "echo stopping; exit 0" TERM; echo started; while :; do sleep 0.1; done']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^web Up /m);
    await waitFor('the container to log', () => ok(['logs', 'web']).includes('started'));
    ok(['stop', '--time', '10', 'web']);
    assert.equal(ok(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'web']).trim(), 'exited 0');
    assert.equal(ok(['logs', 'web']), 'started\nstopping\n');
    ok(['rm', 'web']);
    assert.equal(ok(['ps', '--all', '--quiet']), '');
  });

  it('exec runs a command in a running container, with a terminal too', async () => {
    ok(['run', '-d', '--network', 'none', '--name', 'execme', IMAGE, 'sleep', '60']);
    try {
      const result = podman(['exec', '-e', 'X=1', '-w', '/tmp', 'execme', 'sh', '-c', 'echo "$X $(pwd)"; tr "\\0" " " < /proc/1/cmdline; exit 6']);
      assert.equal(result.status, 6, result.stderr);
      assert.equal(result.stdout, '1 /tmp\nsleep 60 ');
      const session = new PtySession(['env', `CONTAINERS_CONF=${env.CONTAINERS_CONF}`, `CONTAINERS_STORAGE_CONF=${env.CONTAINERS_STORAGE_CONF}`,
        'podman', ...globals, 'exec', '-t', 'execme', 'sh', '-c', 'tty; exit 3'], { rows: 30, cols: 100 });
      try {
        assert.equal(await session.exited, 3);
        assert.match(session.transcript, /^\/dev\/pts\/\d+\r?$/m);
      } finally {
        session.close();
      }
    } finally {
      podman(['rm', '--force', '--time', '0', 'execme']);
    }
  });

  it('kill -s delivers the signal: the container\'s handler decides its exit status', async () => {
    ok(['run', '-d', '--network', 'none', '--name', 'signalled', IMAGE, 'sh', '-c', 'trap "echo got USR1; exit 7" USR1; while :; do sleep 0.1; done']);
    try {
      ok(['kill', '--signal', 'USR1', 'signalled']);
      assert.equal(ok(['wait', 'signalled']).trim(), '7');
      assert.equal(ok(['logs', 'signalled']), 'got USR1\n');
    } finally {
      podman(['rm', '--force', '--time', '0', 'signalled']);
    }
  });

  it('-t gives the container a real terminal of the caller\'s size', async () => {
    const session = new PtySession(['env', `CONTAINERS_CONF=${env.CONTAINERS_CONF}`, `CONTAINERS_STORAGE_CONF=${env.CONTAINERS_STORAGE_CONF}`,
      'podman', ...globals, 'run', '-t', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'tty; stty size; exit 4'], { rows: 30, cols: 100 });
    try {
      await session.expect(/30 100/, { timeoutMs: 20_000 });
      assert.match(session.transcript, /\/dev\/(pts\/\d+|console)/);
      assert.equal(await session.exited, 4);
    } finally {
      session.close();
    }
  });

  it('--memory sets the memory limit of the container\'s cgroup', () => {
    const result = runScript(['--memory', '64m'], 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${64 * 1024 * 1024}\n`);
  });

  it('--pids-limit sets pids.max, seen in the container\'s own cgroup (not the host\'s tree)', () => {
    const result = runScript(['--pids-limit', '50'], 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; ls /sys/fs/cgroup/pids 2>/dev/null | grep -c libpod_parent');
    assert.equal(result.stdout, '50\n0\n', result.stderr);
  });

  it('--network none leaves the container only its loopback', () => {
    const result = runScript([], 'ls /sys/class/net');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'lo\n');
  });

  it('--cap-drop and --cap-add shape every capability set', () => {
    const result = runScript(['--cap-drop', 'all', '--cap-add', 'chown'], 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'CapPrm:\t0000000000000001\nCapEff:\t0000000000000001\nCapBnd:\t0000000000000001\n');
    const netRaw = 1n << 13n;
    const dropped = runScript(['--cap-drop', 'net_raw'], 'grep CapEff /proc/self/status');
    assert.equal(BigInt(`0x${dropped.stdout.split('\t')[1]!.trim()}`) & netRaw, 0n);
  });

  it('--security-opt no-new-privileges sets no_new_privs, which is off without it', () => {
    assert.equal(runScript(['--security-opt', 'no-new-privileges'], 'grep NoNewPrivs /proc/self/status').stdout, 'NoNewPrivs:\t1\n');
    assert.equal(runScript([], 'grep NoNewPrivs /proc/self/status').stdout, 'NoNewPrivs:\t0\n');
  });

  it('pause freezes the container and unpause thaws it', async () => {
    const data = join(base, 'data');
    ok(['run', '-d', '--network', 'none', '--name', 'counter', '-v', `${data}:/data`, IMAGE, 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /data/count; sleep 0.05; done']);
    try {
      await waitFor('the counter', () => existsSync(join(data, 'count')));
      ok(['pause', 'counter']);
      assert.equal(ok(['inspect', '--format', '{{.State.Status}}', 'counter']).trim(), 'paused');
      const frozen = readFileSync(join(data, 'count'), 'utf8');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(readFileSync(join(data, 'count'), 'utf8'), frozen);
      ok(['unpause', 'counter']);
      await waitFor('the counter to go on', () => readFileSync(join(data, 'count'), 'utf8') !== frozen);
    } finally {
      podman(['rm', '--force', '--time', '0', 'counter']);
    }
  });
});


function listDirectory(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}
