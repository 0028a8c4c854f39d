import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { Spec } from '../../src/oci/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { encodePlan } from '../../src/plan/encode.js';
import { highestInside, rootlessMaps } from '../../src/rootless/maps.js';
import { checkRootless, rootlessSpec, warnIfLimitsUnprotected } from '../../src/rootless/policy.js';
import { findDelegatedCgroup, type CgroupProbe } from '../../src/rootless/cgroup.js';
import { scopeCommand, type ScopeContext } from '../../src/rootless/scope.js';
import { controllersNeeded } from '../../src/cgroups/controllers.js';
import type { Hierarchy } from '../../src/cgroups/hierarchies.js';
import { CLI_FILE } from '../../src/host/own-files.js';
import { rootlessStateRoot } from '../../src/rootless/state-dir.js';
import { parseSubordinate } from '../../src/rootless/subid.js';
import { validateSpec } from '../../src/oci/validate.js';
import { assertContainerError, makeTempDir } from './helpers/index.js';

const user = { uid: 1000, gid: 1000, name: 'alice' };
const helpers = { uid: '/usr/bin/newuidmap', gid: '/usr/bin/newgidmap' };

describe('rootless: /etc/subuid and /etc/subgid', () => {
  it('finds the first range of the user by name or by number, skipping others and junk', () => {
    const text = '# comment\nbob:100000:65536\nbad line\nalice:165536:65536\nalice:300000:10\n';
    assert.deepEqual(parseSubordinate(text, { id: 1000, name: 'alice' }), { start: 165536, count: 65536 });
    assert.deepEqual(parseSubordinate('1000:5000000:1000\n', { id: 1000, name: 'alice' }), { start: 5000000, count: 1000 });
    assert.equal(parseSubordinate('bob:1:2\nalice:1:0\n', { id: 1000, name: 'alice' }), undefined);
  });
});

describe('rootless: the ID maps', () => {
  it('maps the user to root and its range from 1 (at most 65536 IDs), through the helpers', () => {
    const maps = rootlessMaps(user, { uid: { start: 165536, count: 100000 }, gid: { start: 200000, count: 1000 } }, helpers);
    assert.deepEqual(maps.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 165536, size: 65536 }]);
    assert.deepEqual(maps.gidMappings, [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 200000, size: 1000 }]);
    assert.deepEqual(maps.writer, { uidHelper: [helpers.uid], gidHelper: [helpers.gid] });
    assert.equal(highestInside(maps.gidMappings), 1000);
  });
  it('maps only the user without a range in both files, written without helpers', () => {
    const maps = rootlessMaps(user, { uid: { start: 165536, count: 65536 } }, helpers);
    assert.deepEqual(maps.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
    assert.deepEqual(maps.writer, { uidHelper: [], gidHelper: [] });
  });
  it('says to install uidmap when there are ranges but no helpers', () => {
    assertContainerError(() => rootlessMaps(user, { uid: { start: 1, count: 2 }, gid: { start: 1, count: 2 } }, { uid: undefined, gid: undefined }), 'newuidmap', 'uidmap');
  });
});

describe('rootless: the spec', () => {
  const tree = makeTempDir();
  mkdirSync(join(tree.path, 'bin'));
  after(() => tree.remove());
  // No default pids limit: what buildSpec gives when it runs rootless (this test may run as root).
  const options = { directory: tree.path, command: ['/bin/true'], pidsLimit: -1 };
  // 'alice' (uid 1000 here) has no range in this host's files: only she is mapped.

  it('gets a user namespace first with the maps, ping_group_range within them, devpts without an unmapped gid', () => {
    const spec = rootlessSpec(buildSpec(options), user) as Spec;
    assert.equal(spec.linux?.namespaces?.[0]?.type, 'user');
    const devpts = spec.mounts?.find((mount) => mount.type === 'devpts');
    assert.deepEqual(spec.linux?.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
    assert.ok(!devpts?.options?.includes('gid=5'));
    assert.equal(spec.linux?.sysctl?.['net.ipv4.ping_group_range'], '0 0');
    validateSpec(spec);
  });
  it('compiles the maps with their writer: helpers (setgroups allowed) or the supervisor (setgroups denied)', () => {
    const spec = validateSpec(rootlessSpec(buildSpec(options), user)).spec;
    const withHelpers = compilePlan(spec, { userMapWriter: { uidHelper: [helpers.uid], gidHelper: [helpers.gid] } });
    assert.deepEqual(withHelpers.find((step) => step.op === 'user-map-writer'), { op: 'user-map-writer', uidHelper: [helpers.uid], gidHelper: [helpers.gid] });
    assert.equal(withHelpers.find((step) => step.op === 'user-map')?.op === 'user-map' && (withHelpers.find((step) => step.op === 'user-map') as { setgroups: string }).setgroups, 'allow');
    const alone = compilePlan(spec, { userMapWriter: { uidHelper: [], gidHelper: [] } });
    assert.equal((alone.find((step) => step.op === 'user-map') as { setgroups: string }).setgroups, 'deny');
    assert.ok(encodePlan(withHelpers).includes(['user-map-writer', '1', helpers.uid, '1', helpers.gid, ''].join('\0')));
  });
  it('refuses in one line what needs root: a bridge, the host network, limits, --private-users, a cgroup parent', () => {
    const refused = (extra: object, ...parts: string[]) =>
      assertContainerError(() => {
        const { spec, settings } = validateSpec(rootlessSpec(buildSpec({ ...options, ...extra }), user));
        checkRootless(spec, settings, undefined);
      }, ...parts);
    refused({ hostNetwork: true }, '--host-network does not work rootless');
    refused({ network: { bridge: 'br0', addresses: ['10.0.0.2/24'] } }, '--network-bridge br0 does not work rootless');
    refused({ memory: 1 << 26 }, '--memory', 'does not work rootless');
    refused({ cpus: 0.5 }, '--cpus', 'does not work rootless');
    refused({ pidsLimit: 64 }, '--pids-limit', 'does not work rootless');
    refused({ cgroupParent: 'x' }, '--cgroup-parent', 'does not work rootless');
    // Unlimited is what rootless gives anyway.
    const { spec, settings } = validateSpec(rootlessSpec(buildSpec({ ...options, pidsLimit: -1 }), user));
    checkRootless(spec, settings, undefined);
  });

  it('takes, with a delegated cgroup, the limits whose controllers it has, and refuses the others naming the controller', () => {
    const cgroup = { directory: '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope', controllers: ['cpu', 'memory', 'pids'] };
    const check = (extra: object, controllers = cgroup.controllers) => {
      const { spec, settings } = validateSpec(rootlessSpec(buildSpec({ ...options, ...extra }), user));
      checkRootless(spec, settings, { ...cgroup, controllers });
    };
    check({ memory: 1 << 26, memorySwap: 1 << 27, pidsLimit: 64, cpus: 0.5, cpuWeight: 200 });
    assertContainerError(() => check({ cpusetCpus: '0' }), '--cpuset-cpus (linux.resources.cpu) does not work rootless', `${cgroup.directory}, has no cpuset controller (it has: cpu memory pids)`, 'Delegate=');
    assertContainerError(() => check({ ioWeight: 100 }), '--io-weight (linux.resources.blockIO)', 'no io controller');
    assertContainerError(() => check({ pidsLimit: 64 }, []), '--pids-limit (linux.resources.pids)', 'no pids controller (it has: none)');
    // Still refused with one: what needs root besides a cgroup.
    assertContainerError(() => check({ cgroupParent: 'x' }), '--cgroup-parent', 'does not work rootless');
  });
});

describe('rootless: limits the container could change', () => {
  const tree = makeTempDir();
  mkdirSync(join(tree.path, 'sbin'));
  after(() => tree.remove());
  const warnings = (options: object, nsdelegate: boolean) => {
    const spec = validateSpec(rootlessSpec(buildSpec({ directory: tree.path, command: ['/bin/true'], ...options }), user)).spec;
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => written.push(text) > 0) as typeof process.stderr.write;
    try {
      warnIfLimitsUnprotected(spec, nsdelegate);
    } finally {
      process.stderr.write = write;
    }
    return written.join('');
  };

  it('warns when a writable cgroup tree (boot) or CAP_SYS_ADMIN meets a host without nsdelegate, and only then', () => {
    assert.match(warnings({ boot: true, pidsLimit: 64 }, false), /^ts-nspawn: warning: the container could raise its own limits: its cgroup tree is writable, .*without nsdelegate/);
    assert.match(warnings({ pidsLimit: 64, capabilities: ['SYS_ADMIN'] }, false), /remountable \(CAP_SYS_ADMIN\)/);
    assert.equal(warnings({ boot: true, pidsLimit: 64 }, true), '', 'nsdelegate protects the namespace root\'s limits');
    assert.equal(warnings({ pidsLimit: 64 }, false), '', 'read-only tree, no CAP_SYS_ADMIN');
    assert.equal(warnings({ boot: true, pidsLimit: -1 }, false), '', 'no limits');
  });
});

describe('rootless: the controllers limits need', () => {
  it('names each limit\'s controller and flag; an unlimited pids limit needs none', () => {
    assert.deepEqual(controllersNeeded({ pids: { limit: -1 }, devices: [] }), []);
    assert.deepEqual(controllersNeeded({ pids: { limit: 5 }, memory: { swap: 10 }, cpu: { quota: 1000, period: 100000, mems: '0' }, blockIO: { throttleReadBpsDevice: [] }, hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }), [
      { field: 'pids', controller: 'pids', flag: '--pids-limit' },
      { field: 'memory', controller: 'memory', flag: '--memory-swap' },
      { field: 'cpu', controller: 'cpu', flag: '--cpus' },
      { field: 'cpu', controller: 'cpuset', flag: '--cpuset-mems' },
      { field: 'blockIO', controller: 'io', flag: undefined },
      { field: 'hugepageLimits', controller: 'hugetlb', flag: undefined },
    ]);
  });
});

describe('rootless: the delegated cgroup', () => {
  const mount = '/sys/fs/cgroup';
  const v2 = (own: string): Hierarchy[] => [{ version: 2, mountPoint: mount, controllers: [], ownDirectory: `${mount}${own}` }];
  const user = `${mount}/user.slice/user-1000.slice/user@1000.service`;
  /** The user may manage what is below user@1000.service and the cgroups in OURS. */
  const probe = (ours: string[] = []): CgroupProbe => ({
    mayManage: (directory) => directory.startsWith(`${user}/`) || directory === user || ours.includes(directory),
    controllers: () => ['memory', 'pids'],
  });

  it('is the scope ts-nspawn asked systemd for, also seen from its supervisor leaf', () => {
    const scope = `${user}/app.slice/ts-nspawn-42-abcdef.scope`;
    const found = findDelegatedCgroup(v2('/user.slice/user-1000.slice/user@1000.service/app.slice/ts-nspawn-42-abcdef.scope'), 'ts-nspawn-42-abcdef.scope', probe());
    assert.deepEqual(found, { directory: scope, controllers: ['memory', 'pids'] });
    const fromLeaf = findDelegatedCgroup(v2('/user.slice/user-1000.slice/user@1000.service/app.slice/ts-nspawn-42-abcdef.scope/ts-nspawn-supervisor'), 'ts-nspawn-42-abcdef.scope', probe());
    assert.equal(fromLeaf?.directory, scope);
  });

  it('is a cgroup handed over by the owner of its parent (root, a system service\'s Delegate=yes)', () => {
    const service = `${mount}/system.slice/build.service`;
    assert.equal(findDelegatedCgroup(v2('/system.slice/build.service'), undefined, probe([service]))?.directory, service);
  });

  it('is not any cgroup of the user manager\'s, nor a root-owned session scope, nor anything on a hybrid host', () => {
    // A terminal's scope: the user's, but systemd's to manage; and a scope named otherwise than asked.
    assert.equal(findDelegatedCgroup(v2('/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-1.scope'), undefined, probe()), undefined);
    assert.equal(findDelegatedCgroup(v2('/user.slice/user-1000.slice/user@1000.service/app.slice/other.scope'), 'ts-nspawn-1-aaaaaa.scope', probe()), undefined);
    assert.equal(findDelegatedCgroup(v2('/user.slice/user-1000.slice/session-3.scope'), undefined, probe()), undefined);
    assert.equal(findDelegatedCgroup(v2(''), undefined, { mayManage: () => true, controllers: () => [] }), undefined, 'never the root');
    const hybrid: Hierarchy[] = [{ version: 1, mountPoint: `${mount}/pids`, controllers: ['pids'], ownDirectory: `${mount}/pids` }, { version: 2, mountPoint: `${mount}/unified`, controllers: [], ownDirectory: `${mount}/unified/x` }];
    assert.equal(findDelegatedCgroup(hybrid, undefined, { mayManage: (d) => d.endsWith('/x'), controllers: () => [] }), undefined);
  });
});

describe('rootless: running again in a delegated scope', () => {
  const runtime = makeTempDir();
  after(() => runtime.remove());
  const context = (over: Partial<ScopeContext> = {}): ScopeContext => ({
    env: { XDG_RUNTIME_DIR: runtime.path, PATH: '/usr/bin' },
    uid: process.geteuid!(),
    hierarchies: [{ version: 2, mountPoint: '/sys/fs/cgroup', controllers: [], ownDirectory: '/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope' }],
    delegated: false,
    systemdRun: '/usr/bin/systemd-run',
    canExec: true,
    unit: 'ts-nspawn-42-abcdef.scope',
    ...over,
  });

  it('needs the user\'s manager: its private socket in XDG_RUNTIME_DIR', () => {
    assert.equal(scopeCommand('create', ['run', '-D', '/t', 'true'], context()), undefined);
  });

  it('runs the command again under systemd-run --user --scope with Delegate=yes, naming the scope for it', async () => {
    const { createServer } = await import('node:net');
    mkdirSync(join(runtime.path, 'systemd'));
    const server = createServer().listen(join(runtime.path, 'systemd/private'));
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const args = ['run', '--memory', '64m', '-D', '/t', 'true'];
      const command = scopeCommand('create', args, context());
      assert.deepEqual(command?.argv, [
        '/usr/bin/systemd-run', '--user', '--scope', '--quiet', '--collect', '--property=Delegate=yes', '--unit=ts-nspawn-42-abcdef.scope', '--description=ts-nspawn run', '--', CLI_FILE, ...args,
      ]);
      assert.equal(command?.file, '/usr/bin/systemd-run');
      assert.equal(command?.env.TS_NSPAWN_SCOPE, 'ts-nspawn-42-abcdef.scope');
      assert.equal(command?.env.PATH, '/usr/bin');
      // exec from a cgroup the user may not move processes out of (a session scope): again in a scope.
      assert.ok(scopeCommand('join', ['exec', 'box', 'sh'], context()));
      // Not again, not when delegated already, not without systemd-run, exec in place, or pure cgroup v2.
      assert.equal(scopeCommand('create', args, context({ env: { ...context().env, TS_NSPAWN_SCOPE: 'x.scope' } })), undefined);
      assert.equal(scopeCommand('create', args, context({ delegated: true })), undefined);
      assert.equal(scopeCommand('create', args, context({ systemdRun: undefined })), undefined);
      assert.equal(scopeCommand('create', args, context({ canExec: false })), undefined);
      const hybrid = [{ version: 1 as const, mountPoint: '/sys/fs/cgroup/pids', controllers: ['pids'], ownDirectory: '/sys/fs/cgroup/pids' }, ...context().hierarchies];
      assert.equal(scopeCommand('create', args, context({ hierarchies: hybrid })), undefined);
    } finally {
      server.close();
    }
  });
});

describe('rootless: the state directory', () => {
  it('is $XDG_RUNTIME_DIR/ts-nspawn when that is the user\'s own, not writable by others', () => {
    const dir = makeTempDir();
    try {
      const uid = process.geteuid!();
      chmodSync(dir.path, 0o700);
      assert.equal(rootlessStateRoot({ XDG_RUNTIME_DIR: dir.path }, uid), join(dir.path, 'ts-nspawn'));
      chmodSync(dir.path, 0o777);
      assertContainerError(() => rootlessStateRoot({ XDG_RUNTIME_DIR: dir.path }, uid), 'nobody else may write');
      chmodSync(dir.path, 0o700);
      assertContainerError(() => rootlessStateRoot({ XDG_RUNTIME_DIR: dir.path }, uid + 1), 'a directory of yours');
      assertContainerError(() => rootlessStateRoot({}, uid), 'XDG_RUNTIME_DIR is not set', 'TS_NSPAWN_STATE_DIR');
      assertContainerError(() => rootlessStateRoot({ XDG_RUNTIME_DIR: 'run/user' }, uid), 'not absolute');
    } finally {
      dir.remove();
    }
  });
});
