/**
 * Rootless containers with a cgroup of their own, below a cgroup v2
 * subtree delegated to the user (the test creates the user and removes
 * it, /etc/subuid and /etc/subgid restored exactly):
 *
 * - delegated by root, the kernel's model: a cgroup whose directory,
 *   cgroup.procs and cgroup.subtree_control the test gives to the user,
 *   who runs ts-nspawn in it, in a private mount namespace that sees only
 *   the unified hierarchy (so this runs on a v1/hybrid host too, where
 *   that hierarchy has no controllers to hand out);
 * - delegated by the user's systemd manager: on a pure cgroup v2 host with
 *   systemd as PID 1, the test lingers the user so that user@UID.service
 *   runs, and ts-nspawn asks it for a scope with Delegate=yes by itself
 *   (systemd-run --user --scope), from a cgroup of root's. Skipped
 *   elsewhere, saying why.
 */
import { userNamespaceRefusal } from '../../src/host/user-namespaces.js';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect, type CliResult } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';
import { makeRootlessUser, type RootlessUser } from '../helpers/rootless-user.js';
import { V2_VIEW } from '../helpers/v2-view.js';
import { waitFor } from '../helpers/wait.js';

/** The unified hierarchy's mount point on this host, and this process's cgroup in it. */
function unifiedHierarchy(): { mount: string; own: string } | undefined {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((entry) => / - cgroup2 /.test(entry));
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((entry) => entry.startsWith('0::'))?.slice(3);
  const mount = line?.split(' ')[4];
  return mount && own !== undefined ? { mount, own: own === '/' ? '' : own } : undefined;
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const statsOf = (result: CliResult) => (JSON.parse(result.stdout) as Array<Record<string, number>>)[0]!;

/** Doubles a string until the memory limit stops it. */
const MEMORY_HOG = 'a=0123456789abcdef; while :; do a=$a$a; done';

const unified = unifiedHierarchy();
const noUserNamespace = userNamespaceRefusal();
// The test's user has a range in /etc/subuid, which only newuidmap maps (scripts/install-deps.sh installs it).
const noNewuidmap = !['/usr/bin/newuidmap', '/bin/newuidmap'].some((path) => existsSync(path));

describe('rootless, in a cgroup root delegated to the user', {
  skip: noUserNamespace ? 'no user namespace can be made here' : noNewuidmap ? 'newuidmap (Debian\'s uidmap) is not installed' : !unified && 'no cgroup2 hierarchy here',
}, () => {
  let user: RootlessUser;
  let tree: TestRoot;
  let state: HostState;
  // The delegated cgroup: below this process's own in the unified hierarchy (on the host, and as the user's namespace sees it).
  const name = `tsn-rl-delegated-${process.pid}`;
  const relative = `${unified?.own ?? ''}/${name}`;
  const host = `${unified?.mount}${relative}`;
  const seen = `/sys/fs/cgroup${relative}`;
  const started = new Set<string>();
  const controllers = () => readFileSync(join(host, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);

  /**
   * Runs the user's CLI in the delegated cgroup (or in its supervisor
   * leaf once ts-nspawn has moved the cgroup's processes there, as a
   * shell would find itself), seeing only the unified hierarchy.
   */
  const run = (args: string[]): Promise<CliResult> => {
    const script = `${V2_VIEW}
d=$1; shift
[ -d "$d/ts-nspawn-supervisor" ] && d=$d/ts-nspawn-supervisor
echo $$ > "$d/cgroup.procs"
exec "$@"`;
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'delegated', seen,
      'runuser', '-u', user.name, '--', 'env', '-i', `XDG_RUNTIME_DIR=${user.runtimeDir}`, 'PATH=/usr/bin:/bin', user.cli, ...args]);
    return collect(child, { timeoutMs: 60_000 });
  };

  before(() => {
    state = hostState();
    user = makeRootlessUser();
    tree = makeBusyboxRoot('rlcgbox');
    execFileSync('chmod', ['755', tree.base]);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
    // Delegation as the kernel documents it: the directory and the files that make children and move processes.
    mkdirSync(host);
    for (const file of ['', 'cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']) chownSync(join(host, file), user.uid, user.gid);
  });
  after(async () => {
    try {
      for (const container of started) await run(['rm', '-f', container]);
      // What ts-nspawn leaves in the delegated cgroup is the leaf its callers moved to, empty once they are gone.
      if (existsSync(join(host, 'ts-nspawn-supervisor'))) rmdirSync(join(host, 'ts-nspawn-supervisor'));
      rmdirSync(host);
      await assertHostUnchanged(state);
    } finally {
      try {
        user?.remove();
      } finally {
        tree?.remove();
      }
    }
  });

  it('puts a detached container below it, moving its own processes to a leaf; exec joins the container, rm removes its cgroup', async () => {
    const container = 'rlc-detached';
    started.add(container);
    const start = await run(['run', '-d', '-M', container, '-D', tree.root, '/bin/sleep', '1000']);
    assert.equal(start.status, 0, start.stderr);
    // Without the pids controller there, the default pids limit does not apply: said once.
    if (controllers().includes('pids')) assert.equal(start.stderr, '');
    else assert.match(start.stderr, /^ts-nspawn: rootless: the cgroup delegated to you, .* has no pids controller, so the default pids limit \(2048\) does not apply \(said once\)\n$/);
    const record = JSON.parse(readFileSync(join(user.runtimeDir, 'ts-nspawn', container, 'state.json'), 'utf8')) as { cgroups: string[]; pid: number };
    assert.deepEqual(record.cgroups, [`${seen}/ts-nspawn/${container}`]);
    assert.ok(lines(join(host, 'ts-nspawn', container, 'cgroup.procs')).includes(String(record.pid)), 'init in the container cgroup');
    // The delegated cgroup holds no process any more: the monitor was born in the leaf the CLI moved to.
    assert.deepEqual(lines(join(host, 'cgroup.procs')), []);
    assert.equal(lines(join(host, 'ts-nspawn-supervisor', 'cgroup.procs')).length, 1);

    const exec = await run(['exec', '-P', container, '/bin/sh', '-c', 'grep "^0::" /proc/self/cgroup; wc -l < /sys/fs/cgroup/cgroup.procs']);
    assert.equal(exec.status, 0, exec.stderr);
    const [cgroup, count] = exec.stdout.trim().split('\n');
    assert.equal(cgroup, '0::/');
    assert.ok(Number(count) >= 2, 'the exec is in the container cgroup, with sleep');

    const stats = await run(['stats', '--no-stream', '--json', container]);
    assert.equal(stats.status, 0, stats.stderr);
    assert.equal(statsOf(stats).pids, 1, 'its processes counted from its own cgroup');

    assert.equal((await run(['rm', '-f', container])).status, 0);
    started.delete(container);
    assert.equal(existsSync(join(host, 'ts-nspawn')), false, 'the container cgroup and its parent are gone');
  });

  it('takes the limits whose controllers it passes on and refuses the others in one line, naming the controller', async () => {
    const limited = await run(['run', '-P', '--pids-limit', '64', '-D', tree.root, '/bin/cat', '/sys/fs/cgroup/pids.max']);
    if (controllers().includes('pids')) {
      assert.equal(limited.status, 0, limited.stderr);
      assert.equal(limited.stdout, '64\n');
    } else {
      assert.equal(limited.status, 125);
      assert.equal(limited.stderr, `ts-nspawn: --pids-limit (linux.resources.pids) does not work rootless: the cgroup delegated to you, ${seen}, has no pids controller (it has: ${controllers().join(' ') || 'none'}); have pids delegated too (systemd: Delegate= of user@.service, see the README's Rootless section) or leave the limit out\n`);
    }
    assert.equal(existsSync(join(host, 'ts-nspawn')), false);
  });
});

/** Where a Debian-like host keeps PAM modules: without pam_systemd no user manager starts. */
const hasPamSystemd = () =>
  ['/lib/security', '/usr/lib/security', '/lib/x86_64-linux-gnu/security', '/usr/lib/x86_64-linux-gnu/security', '/lib/aarch64-linux-gnu/security', '/usr/lib/aarch64-linux-gnu/security', '/lib64/security', '/usr/lib64/security'].some((dir) =>
    existsSync(join(dir, 'pam_systemd.so')),
  );

function systemdSkip(): string | false {
  if (noUserNamespace) return 'no user namespace can be made here';
  if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'the host is not pure cgroup v2';
  if (readFileSync('/proc/1/comm', 'utf8').trim() !== 'systemd') return 'systemd is not PID 1 here';
  if (spawnSync('sh', ['-c', 'command -v systemd-run && command -v loginctl']).status !== 0) return 'no systemd-run or loginctl';
  if (!hasPamSystemd()) return 'no pam_systemd (libpam-systemd): systemd cannot start user managers here';
  return false;
}

describe('rootless, in a scope of the user\'s systemd manager', { skip: systemdSkip() }, () => {
  let user: RootlessUser;
  let tree: TestRoot;
  let state: HostState;
  let uid = 0;
  const started = new Set<string>();
  // Runs from the test's cgroup, which is root's: ts-nspawn asks the user's manager for a scope itself.
  const run = (args: string[]) => user.run(args, { env: { XDG_RUNTIME_DIR: `/run/user/${uid}` }, timeoutMs: 180_000 });
  const userSlice = () => `/sys/fs/cgroup/user.slice/user-${uid}.slice`;
  const managerCgroup = () => `${userSlice()}/user@${uid}.service`;
  const stateFile = (name: string) => `/run/user/${uid}/ts-nspawn/${name}/state.json`;
  const scopeOf = (cgroup: string) => cgroup.slice(0, cgroup.indexOf('/ts-nspawn/'));

  before(async () => {
    state = hostState();
    user = makeRootlessUser();
    uid = user.uid;
    tree = makeBusyboxRoot('rlsdbox');
    // A home that exists, for the user's manager.
    execFileSync('usermod', ['-d', user.homeDir, user.name]);
    execFileSync('chmod', ['755', tree.base]);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
    execFileSync('loginctl', ['enable-linger', user.name]);
    await waitFor('the user manager to start', () => existsSync(`/run/user/${uid}/systemd/private`), 180_000);
  });
  after(async () => {
    try {
      for (const container of started) await run(['rm', '-f', container]);
    } finally {
      try {
        execFileSync('loginctl', ['disable-linger', user.name]);
        spawnSync('loginctl', ['terminate-user', user.name]);
        await waitFor("the user's slice to go", () => !existsSync(userSlice()), 120_000);
        assert.equal(existsSync(`/var/lib/systemd/linger/${user.name}`), false);
        await assertHostUnchanged(state);
      } finally {
        try {
          user?.remove();
        } finally {
          tree?.remove();
        }
      }
    }
  });

  it('runs with --memory and --pids-limit in a scope with Delegate=yes, the limits in its cgroup, stats, update and exec on it', async () => {
    const name = 'rlsd-limits';
    started.add(name);
    const start = await run(['run', '-d', '-M', name, '--memory', '64m', '--pids-limit', '64', '-D', tree.root, '/bin/sleep', '1000']);
    assert.equal(start.status, 0, start.stderr);
    assert.equal(start.stderr, '');
    const record = JSON.parse(readFileSync(stateFile(name), 'utf8')) as { cgroups: string[] };
    const cgroup = record.cgroups[0]!;
    assert.match(cgroup, new RegExp(`^${managerCgroup().replaceAll('.', '\\.')}/app\\.slice/ts-nspawn-\\d+-[0-9a-f]{6}\\.scope/ts-nspawn/${name}$`));
    assert.equal(readFileSync(join(cgroup, 'memory.max'), 'utf8'), '67108864\n');
    assert.equal(readFileSync(join(cgroup, 'pids.max'), 'utf8'), '64\n');
    const scope = scopeOf(cgroup);
    assert.deepEqual(lines(join(scope, 'cgroup.procs')), [], 'the scope is an inner node: its processes moved to the supervisor leaf');
    assert.equal(lines(join(scope, 'ts-nspawn-supervisor', 'cgroup.procs')).length, 1, 'the monitor');

    // exec from root's cgroup: in a scope of the user's manager of its own, from which it may join the container.
    const exec = await run(['exec', '-P', name, '/bin/sh', '-c', 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; grep "^0::" /proc/self/cgroup; echo max > /sys/fs/cgroup/pids.max || echo refused']);
    assert.equal(exec.status, 0, exec.stderr);
    assert.deepEqual(exec.stdout.trim().split('\n'), ['67108864', '64', '0::/', 'refused'], exec.stderr);

    const stats = await run(['stats', '--no-stream', '--json', name]);
    assert.equal(stats.status, 0, stats.stderr);
    const numbers = statsOf(stats);
    assert.equal(numbers.memoryLimitBytes, 64 << 20);
    assert.equal(numbers.pidsLimit, 64);
    assert.equal(numbers.pids, 1);
    assert.ok((numbers.memoryCurrentBytes ?? 0) > 0, stats.stdout);

    const update = await run(['update', '--memory', '128m', name]);
    assert.equal(update.status, 0, update.stderr);
    assert.equal(readFileSync(join(cgroup, 'memory.max'), 'utf8'), '134217728\n');

    assert.equal((await run(['stop', '--timeout', '2', name])).status, 0);
    assert.equal((await run(['rm', name])).status, 0);
    started.delete(name);
    assert.equal(existsSync(cgroup), false);
    // The monitor gone, systemd removes the scope.
    await waitFor('the scope to go', () => !existsSync(scope), 60_000);
  });

  it('applies the default pids limit and reports an OOM kill, each run in a scope of its own that goes with it', async () => {
    const plain = await run(['run', '-P', '-D', tree.root, '/bin/sh', '-c', 'cat /sys/fs/cgroup/pids.max; grep "^0::" /proc/self/cgroup']);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, '2048\n0::/\n');
    assert.equal(plain.stderr, '', 'no notice: the container has a cgroup with the pids controller');
    const hog = await run(['run', '-P', '-M', 'rlsd-oom', '--memory', '32m', '--memory-swap', '32m', '-D', tree.root, '/bin/sh', '-c', MEMORY_HOG]);
    assert.equal(hog.status, 137, hog.stderr);
    assert.equal(hog.stderr, 'ts-nspawn: container rlsd-oom was killed: out of memory (limit 32M)\n');
    await waitFor('the scopes to go', () => readdirSync(`${managerCgroup()}/app.slice`).every((entry) => !entry.startsWith('ts-nspawn-')), 60_000);
  });

  it('keeps a booted container, whose cgroup tree is writable, from raising its own limits (nsdelegate)', async () => {
    const name = 'rlsd-boot';
    started.add(name);
    const boot = await run(['boot', '-d', '-M', name, '--pids-limit', '64', '-D', tree.root]);
    assert.equal(boot.status, 0, boot.stderr);
    assert.equal(boot.stderr, '', 'systemd mounts cgroup2 with nsdelegate: no warning');
    const cgroup = (JSON.parse(readFileSync(stateFile(name), 'utf8')) as { cgroups: string[] }).cgroups[0]!;
    const exec = await run(['exec', '-P', name, '/bin/sh', '-c', 'grep " /sys/fs/cgroup " /proc/mounts | cut -d" " -f4 | cut -d, -f1; echo max > /sys/fs/cgroup/pids.max']);
    assert.equal(exec.stdout, 'rw\n');
    assert.match(exec.stderr, /write error: Operation not permitted/, 'nsdelegate: a cgroup namespace\'s root cannot change its own limits');
    assert.equal(readFileSync(join(cgroup, 'pids.max'), 'utf8'), '64\n');
    assert.equal((await run(['stop', '--timeout', '2', name])).status, 0);
    assert.equal((await run(['rm', name])).status, 0);
    started.delete(name);
  });

  it('refuses a limit whose controller the user manager was not given, naming it', async (t) => {
    const delegated = readFileSync(join(managerCgroup(), 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    const missing = ([['cpuset', ['--cpuset-cpus', '0'], 'cpu'], ['io', ['--io-weight', '100'], 'blockIO']] as const).find(([controller]) => !delegated.includes(controller));
    if (!missing) return t.skip(`this host delegates every controller to user managers (${delegated.join(' ')})`);
    const [controller, flags, field] = missing;
    const result = await run(['run', ...flags, '-D', tree.root, '/bin/true']);
    assert.equal(result.status, 125);
    assert.match(result.stderr, new RegExp(`^ts-nspawn: ${flags[0]} \\(linux\\.resources\\.${field}\\) does not work rootless: the cgroup delegated to you, .*\\.scope, has no ${controller} controller \\(it has: [a-z ]+\\); have ${controller} delegated too .*\\n$`));
  });
});
