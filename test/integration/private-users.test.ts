/**
 * --private-users: the container's root is an unprivileged host range.
 * Files keep their owners on disk with an idmapped root (and binds), or are
 * shifted into the range once with chown; `pick` ranges are never shared and
 * are given back on rm; exec lands in the container's user namespace.
 */
import { userNamespaceRefusal } from '../../src/host/user-namespaces.js';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import { startContainer } from '../../src/runtime/container.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { readRecord } from '../../src/state/store.js';

/** "0 HOSTID COUNT" of /proc/self/uid_map as numbers. */
function uidMap(stdout: string): number[] {
  return stdout.trim().split(/\s+/).map(Number);
}

describe('private users', { timeout: 180_000, skip: userNamespaceRefusal() && 'no user namespace can be made here (a chroot?): ts-nspawn refuses private users then, tested in chroot.test.ts' }, () => {
  const names: string[] = [];
  // Before the suite frame's host check.
  after(async () => {
    for (const name of names) await runCli(['rm', '-f', name]);
  });
  const tree = useBusyboxTree('userns');

  it('maps root to a range from the pool; with an idmapped root a file made inside is the tree owner\'s on disk', async () => {
    const result = await runCli(['run', '-D', tree.root, '--private-users=pick', '/bin/sh', '-c', 'id -u; cat /proc/self/uid_map; touch /made-by-root; stat -c %u /made-by-root']);
    assert.equal(result.status, 0, result.stderr);
    const [uid, inside, host, count, ownerInside] = result.stdout.trim().split(/\s+/).map(Number);
    assert.deepEqual([uid, inside, count, ownerInside], [0, 0, 65536, 0]);
    assert.ok(host! >= 0x80000 && host! < 0x70000000 && host! % 65536 === 0, `range base ${host}`);
    const made = statSync(join(tree.root, 'made-by-root'));
    assert.deepEqual([made.uid, made.gid], [0, 0], 'owned by the tree\'s owner (root) on disk');
    assert.equal(lstatSync(tree.root).uid, 0, 'the tree itself is not changed');
    rmSync(join(tree.root, 'made-by-root'));
  });

  it('with chown ownership a file made inside is the mapped UID\'s on disk, and the tree is shifted once', async () => {
    const copy = join(tree.base, 'chowned');
    execFileSync('cp', ['-a', tree.root, copy]);
    try {
      const first = await runCli(['run', '-D', copy, '--private-users=pick', '--private-users-ownership=chown', '/bin/sh', '-c', 'cat /proc/self/uid_map; touch /made']);
      assert.equal(first.status, 0, first.stderr);
      const [, base] = uidMap(first.stdout);
      assert.match(first.stderr, /^ts-nspawn: chowned \d+ files of .* to the range \d+:65536 in \d+\.\d\ds/m);
      assert.equal(first.stderr.trimEnd().split('\n').length, 1, first.stderr);
      assert.equal(statSync(join(copy, 'made')).uid, base, 'the mapped UID of root inside');
      assert.equal(lstatSync(copy).uid, base, 'the root records the range');
      assert.equal(statSync(join(copy, 'bin/busybox')).uid, base);
      const again = await runCli(['run', '-D', copy, '--private-users=pick', '--private-users-ownership=chown', '/bin/cat', '/proc/self/uid_map']);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(uidMap(again.stdout)[1], base, 'the tree\'s range again');
      assert.equal(again.stderr, '', 'no second chown');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('idmaps binds too: a host file of root is root\'s inside, and what root writes there stays root\'s', async () => {
    const shared = join(tree.base, 'shared');
    mkdirSync(shared);
    writeFileSync(join(shared, 'host-file'), 'x');
    try {
      const result = await runCli(['run', '-D', tree.root, '--private-users=pick', '--bind', `${shared}:/shared`, '/bin/sh', '-c', 'stat -c %u /shared/host-file; touch /shared/new']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), '0');
      assert.equal(statSync(join(shared, 'new')).uid, 0);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('locks the runtime\'s mounts: root with every capability of its user namespace and no filter cannot undo them', async () => {
    const readOnly = join(tree.base, 'read-only');
    mkdirSync(readOnly);
    // Each attempt prints its path and whether it got through; a mount of its own the container may change.
    const attempt = (label: string, command: string) => `if ${command} 2>/dev/null; then echo "${label} done"; else echo "${label} refused"; fi`;
    const script = [
      ...['/mnt', '/proc/kcore', '/proc/keys', '/sys/firmware', '/proc/sys', '/dev/null', '/proc', '/sys', '/dev', '/tmp'].map((path) => attempt(`umount ${path}`, `umount ${path}`)),
      attempt('rw /mnt', 'mount -o remount,bind,rw /mnt'),
      attempt('rw /proc/sys', 'mount -o remount,bind,rw /proc/sys'),
      attempt('rw /sys', 'mount -o remount,bind,rw /sys'),
      attempt('suid /tmp', 'mount -o remount,bind,suid,dev /tmp'),
      attempt('dev /dev/shm', 'mount -o remount,bind,dev /dev/shm'),
      attempt('move /sys/firmware', 'mount --move /sys/firmware /opt'),
      attempt('fresh proc', 'mount -t proc proc /opt'),
      attempt('write /mnt', 'touch /mnt/written'),
      attempt('own tmpfs', 'mount -t tmpfs own /opt && mount -o remount,bind,ro /opt'),
    ].join('; ');
    try {
      // What the runtime made from outside is the container root's inside, as if init had made it.
      const owners = 'echo owners $(stat -c %u /dev/fd /dev/null /tmp /run /dev/shm /mnt)';
      const result = await runCli(['run', '-D', tree.root, '--private-users=pick', '--privileged', '--bind-ro', `${readOnly}:/mnt`, '/bin/sh', '-c', `mkdir -p /opt; ${owners}; ${script}`]);
      assert.equal(result.status, 0, result.stderr);
      const [ownerLine, ...lines] = result.stdout.trim().split('\n');
      // /dev/null is the host's node, /mnt the host root's directory: nobody's inside.
      assert.equal(ownerLine, 'owners 0 65534 0 0 0 65534');
      assert.equal(lines.length, 19, result.stdout);
      assert.deepEqual(lines.filter((line) => !line.endsWith(' refused') && line !== 'own tmpfs done'), [], result.stdout);
      assert.ok(lines.includes('own tmpfs done'), 'its own mounts are its own to change');
      assert.deepEqual(readdirSync(readOnly), []);
    } finally {
      rmSync(readOnly, { recursive: true, force: true });
    }
  });

  it('keeps the mounts on an idmapped root and bind off the host, whose own mounts are shared (as systemd makes them)', async () => {
    // A directory bound on itself and made shared stands for a host where
    // systemd made every mount shared: a tree cloned there joins its peers.
    const peers = join(tree.base, 'peers');
    const root = join(peers, 'root');
    const data = join(peers, 'data');
    mkdirSync(data, { recursive: true });
    execFileSync('cp', ['-a', tree.root, root]);
    execFileSync('mount', ['--bind', peers, peers]);
    try {
      execFileSync('mount', ['--make-shared', peers]);
      const result = await runCli(['run', '-D', root, '--private-users=pick', '--capability', 'SYS_ADMIN', '--bind', `${data}:/data`, '/bin/sh', '-c', 'mount -t tmpfs inside /data && mount -t tmpfs inside /tmp && echo mounted']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'mounted');
      const below = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.split(' ')[4]?.startsWith(`${peers}/`));
      assert.deepEqual(below, [], 'nothing of the container is mounted on the host');
    } finally {
      execFileSync('umount', ['-R', peers]);
      rmSync(peers, { recursive: true, force: true });
    }
  });

  it('never gives two running pick containers the same range, and gives it back on rm', async () => {
    const ranges: number[] = [];
    for (const suffix of ['a', 'b']) {
      const name = `userns-${suffix}-${process.pid}`;
      names.push(name);
      const started = await runCli(['run', '-d', '-M', name, '-D', tree.root, '--private-users=pick', '/bin/sleep', '1000']);
      assert.equal(started.status, 0, started.stderr);
      const map = await runCli(['exec', name, '/bin/cat', '/proc/self/uid_map']);
      assert.equal(map.status, 0, map.stderr);
      ranges.push(uidMap(map.stdout)[1]!);
      assert.equal(readRecord(name)?.userRange?.base, ranges.at(-1), 'recorded in the state store');
    }
    assert.notEqual(ranges[0], ranges[1]);
    for (const name of names.splice(0)) assert.equal((await runCli(['rm', '-f', name])).status, 0);
    assert.equal(readRecord(`userns-a-${process.pid}`), undefined);
  });

  it('exec joins the user namespace first: the same namespace and maps as PID 1', async () => {
    const name = `userns-exec-${process.pid}`;
    names.push(name);
    const started = await runCli(['run', '-d', '-M', name, '-D', tree.root, '--private-users=1048576:65536', '/bin/sleep', '1000']);
    assert.equal(started.status, 0, started.stderr);
    const result = await runCli(['exec', name, '/bin/sh', '-c', 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user; readlink /proc/1/ns/user']);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], '0');
    assert.deepEqual(uidMap(lines[1]!), [0, 1048576, 65536]);
    assert.equal(lines[2], lines[3], 'the user namespace of PID 1');
  });

  it('joins a user namespace given by path first: the new namespaces are its own', async () => {
    // A user namespace of the test's, held by a sleeping process.
    const holder = spawn('unshare', ['--user', 'sleep', '60'], { stdio: 'ignore' });
    try {
      const path = `/proc/${holder.pid}/ns/user`;
      await waitFor('the holder\'s user namespace', () => readlinkSync(path) !== readlinkSync('/proc/self/ns/user'));
      writeFileSync(`/proc/${holder.pid}/uid_map`, '0 2097152 65536\n');
      writeFileSync(`/proc/${holder.pid}/gid_map`, '0 2097152 65536\n');
      const spec = buildSpec({ directory: tree.root, command: ['/bin/sh', '-c', 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user'] });
      spec.linux!.namespaces = [{ type: 'user', path }, ...spec.linux!.namespaces!];
      delete spec.linux!.sysctl; // ping_group_range must fit the joined maps
      const container = await startContainer(spec, { stdio: 'pipe' });
      container.stdin?.end();
      let stdout = '';
      container.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      let stderr = '';
      container.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const { status } = await container.exited;
      assert.equal(status, 0, stderr);
      const lines = stdout.trim().split('\n');
      assert.equal(lines[0], '0');
      assert.deepEqual(uidMap(lines[1]!), [0, 2097152, 65536]);
      assert.equal(lines[2], readlinkSync(path), 'the namespace given');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refuses bad values in one line, exit 125', async () => {
    for (const args of [['--private-users=bogus'], ['--private-users=0:100'], ['--private-users-ownership=sometimes']]) {
      const result = await runCli(['run', '-D', tree.root, ...args, '/bin/true']);
      assert.equal(result.status, 125, `${args}: ${result.stderr}`);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    }
  });
});
