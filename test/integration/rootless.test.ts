/**
 * Rootless mode: ts-nspawn run by an ordinary user the test creates
 * (removed afterwards, /etc/subuid and /etc/subgid restored exactly). Its
 * containers run in a user namespace made from its subordinate range (or,
 * without one, with only itself mapped), keep their state in its
 * XDG_RUNTIME_DIR, and everything that needs root is refused with 125.
 */
import { userNamespaceRefusal } from '../../src/host/user-namespaces.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';
import { makeRootlessUser, RANGE_COUNT, type RootlessUser } from '../helpers/rootless-user.js';

const mapLines = (text: string) => text.trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));

describe('rootless', { skip: userNamespaceRefusal() && 'no user namespace can be made here (a chroot?): ts-nspawn refuses private users then, tested in chroot.test.ts' }, () => {
  let user: RootlessUser;
  let tree: TestRoot;
  let state: HostState;
  const started = new Set<string>();

  before(() => {
    state = hostState();
    user = makeRootlessUser();
    tree = makeBusyboxRoot();
    execFileSync('chmod', ['755', tree.base]);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
  });
  after(async () => {
    try {
      for (const name of started) await user.run(['rm', '-f', name]);
      await assertHostUnchanged(state);
    } finally {
      try {
        user?.remove();
      } finally {
        tree?.remove();
      }
    }
  });

  it('runs as root of a user namespace made from the user\'s range, saying once that no pids limit applies', async () => {
    const result = await user.run(['run', '-D', tree.root, '/bin/sh', '-c', 'id -u; cat /proc/self/uid_map; echo --; cat /proc/self/gid_map']);
    assert.equal(result.status, 0, result.stderr);
    const [id, maps] = [result.stdout.slice(0, result.stdout.indexOf('\n')), result.stdout.slice(result.stdout.indexOf('\n') + 1)];
    const [uidMap, gidMap] = maps.split('--\n');
    assert.equal(id, '0');
    assert.deepEqual(mapLines(uidMap!), [[0, user.uid, 1], [1, user.base, RANGE_COUNT]]);
    assert.deepEqual(mapLines(gidMap!), [[0, user.gid, 1], [1, user.base, RANGE_COUNT]]);
    assert.match(result.stderr, /^ts-nspawn: rootless: containers get no cgroup of their own .*the default pids limit \(2048\) does not apply/m);
    const again = await user.run(['run', '-D', tree.root, '/bin/true']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stderr, '', 'the notice is said once');
  });

  it('gives files made inside to the user (root) and its range (other IDs), keeping the filter and no_new_privs', async () => {
    const result = await user.run(['run', '-D', tree.root, '/bin/sh', '-c',
      'rm -f /by-root /by-1000; touch /by-root /by-1000 && chown 1000:1000 /by-1000 && grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /NoNewPrivs:\s+1/);
    assert.match(result.stdout, /Seccomp:\s+2/);
    const byRoot = statSync(join(tree.root, 'by-root'));
    assert.deepEqual([byRoot.uid, byRoot.gid], [user.uid, user.gid]);
    const by1000 = statSync(join(tree.root, 'by-1000'));
    assert.deepEqual([by1000.uid, by1000.gid], [user.base + 999, user.base + 999]);
    // The filter refuses a new user namespace (which needs no capability): EPERM. /proc/sys stays read-only.
    const nested = await user.run(['run', '-D', tree.root, '/bin/sh', '-c', '/bin/busybox unshare -U /bin/true; echo x > /proc/sys/kernel/hostname']);
    assert.match(nested.stderr, /unshare\(0x10000000\): Operation not permitted/);
    assert.match(nested.stderr, /can't create \/proc\/sys\/kernel\/hostname: Read-only file system/);
  });

  it('maps only the user itself (to root) when it has no range', async () => {
    user.setRange(false);
    try {
      const result = await user.run(['run', '-D', tree.root, '/bin/sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; rm -f /alone; touch /alone']);
      assert.equal(result.status, 0, result.stderr);
      const [id, ...rest] = result.stdout.trim().split('\n');
      assert.equal(id, '0');
      assert.deepEqual(rest.map((line) => line.trim().split(/\s+/)), [['0', String(user.uid), '1'], ['0', String(user.gid), '1'], ['deny']]);
      const alone = statSync(join(tree.root, 'alone'));
      assert.deepEqual([alone.uid, alone.gid], [user.uid, user.gid]);
    } finally {
      user.setRange(true);
    }
  });

  it('runs detached, with exec, list, stop and rm, its state in the user\'s runtime directory', async () => {
    const name = 'rl-detached';
    started.add(name);
    const run = await user.run(['run', '-d', '-M', name, '-D', tree.root, '/bin/sleep', '1000']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `${name}\n`);
    const record = join(user.runtimeDir, 'ts-nspawn', name, 'state.json');
    assert.equal(statSync(record).uid, user.uid);
    assert.equal(statSync(join(user.runtimeDir, 'ts-nspawn')).mode & 0o777, 0o700);
    assert.equal(existsSync(join('/run/ts-nspawn', name)), false);

    const listed = await user.run(['list', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const entry = (JSON.parse(listed.stdout) as Array<{ id: string; status: string }>).find((c) => c.id === name);
    assert.equal(entry?.status, 'running');

    const exec = await user.run(['exec', name, '/bin/sh', '-c', 'id -u; ps -o pid,comm | grep -c sleep']);
    assert.equal(exec.status, 0, exec.stderr);
    assert.deepEqual(exec.stdout.trim().split('\n'), ['0', '1']);

    const stop = await user.run(['stop', '--timeout', '1', name]);
    assert.equal(stop.status, 0, stop.stderr);
    const rm = await user.run(['rm', name]);
    assert.equal(rm.status, 0, rm.stderr);
    started.delete(name);
    assert.equal(existsSync(join(user.runtimeDir, 'ts-nspawn', name)), false);
  });

  it('boots a tree the user owns, detached, and stops it', async () => {
    const name = 'rl-boot';
    started.add(name);
    const boot = await user.run(['boot', '-d', '-M', name, '-D', tree.root]);
    assert.equal(boot.status, 0, boot.stderr);
    const exec = await user.run(['exec', name, '/bin/sh', '-c', 'cat /proc/1/comm; id -u']);
    assert.equal(exec.status, 0, exec.stderr);
    assert.deepEqual(exec.stdout.trim().split('\n'), ['init', '0']);
    const stop = await user.run(['stop', '--timeout', '2', name]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal((await user.run(['rm', name])).status, 0);
    started.delete(name);
  });

  for (const [what, args, pattern] of [
    ['a bridge', ['--network-bridge', 'tsnrl0', '--address', '10.0.0.2/24'], /^ts-nspawn: --network-bridge tsnrl0 does not work rootless: /],
    ['the host network', ['--host-network'], /^ts-nspawn: --host-network does not work rootless: /],
    ['a memory limit', ['--memory', '64m'], /^ts-nspawn: --memory \(linux\.resources\.memory\) does not work rootless: /],
    ['a pids limit', ['--pids-limit', '64'], /^ts-nspawn: --pids-limit \(linux\.resources\.pids\) does not work rootless: /],
    ['--private-users', ['--private-users', 'pick'], /^ts-nspawn: --private-users does not work rootless: /],
  ] as const) {
    it(`refuses ${what} in one line with 125`, async () => {
      const result = await user.run(['run', ...args, '-D', tree.root, '/bin/true']);
      assert.equal(result.status, 125);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    });
  }

  it('refuses bootstrap, and says where state would live without XDG_RUNTIME_DIR', async () => {
    const bootstrap = await user.run(['bootstrap', join(tree.base, 'deb')]);
    assert.equal(bootstrap.status, 125);
    assert.match(bootstrap.stderr, /^ts-nspawn: bootstrap needs root/);
    const noRuntime = await user.run(['list'], { env: { XDG_RUNTIME_DIR: undefined } });
    assert.equal(noRuntime.status, 125);
    assert.match(noRuntime.stderr, /^ts-nspawn: rootless state lives in \$XDG_RUNTIME_DIR\/ts-nspawn, and XDG_RUNTIME_DIR is not set: /);
  });
});
