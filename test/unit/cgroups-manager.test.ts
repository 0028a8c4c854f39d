/**
 * The cgroup manager against fake hierarchies: plain directories in a temp
 * dir, with the control files a kernel would show made up front. What is
 * checked is what the manager writes where, on each layout.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { devicePolicy } from '../../src/cgroups/device-rules.js';
import type { Hierarchy } from '../../src/cgroups/hierarchies.js';
import { cgroupManager, containerCgroupPath } from '../../src/cgroups/manager.js';
import { ANNOTATION } from '../../src/oci/annotations.js';
import type { Spec } from '../../src/oci/types.js';

const base = mkdtempSync(join(tmpdir(), 'tsn-cgroups-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** Makes DIRECTORY with these control files (empty unless given). */
function files(directory: string, entries: Record<string, string>): void {
  mkdirSync(directory, { recursive: true });
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(directory, name), text);
}

const read = (path: string) => readFileSync(path, 'utf8');

function v1Host(name: string): Hierarchy[] {
  const root = join(base, name);
  const hierarchy = (controllers: string[], mount = controllers.join(',')): Hierarchy => ({
    version: 1,
    mountPoint: join(root, mount),
    controllers,
    ownDirectory: join(root, mount),
  });
  return [
    hierarchy(['cpu']),
    hierarchy(['cpuacct']),
    hierarchy(['cpuset']),
    hierarchy(['memory']),
    hierarchy(['blkio']),
    hierarchy(['devices']),
    hierarchy(['freezer']),
    hierarchy(['pids']),
    hierarchy(['name=systemd'], 'systemd'),
    { version: 2, mountPoint: join(root, 'unified'), controllers: [], ownDirectory: join(root, 'unified') },
  ];
}

describe('cgroup manager, v1 and hybrid', () => {
  const hierarchies = v1Host('hybrid');
  const manager = cgroupManager(hierarchies);
  const dir = (mount: string) => join(base, 'hybrid', mount, 'ts-nspawn/c1');
  files(join(base, 'hybrid/cpuset'), { 'cpuset.cpus': '0-1\n', 'cpuset.mems': '0\n' });
  // What the kernel would show in the new cgroups (mkdir on a real cgroupfs makes them).
  files(join(base, 'hybrid/cpuset/ts-nspawn'), { 'cpuset.cpus': '', 'cpuset.mems': '' });
  files(dir('cpuset'), { 'cpuset.cpus': '', 'cpuset.mems': '' });
  files(dir('pids'), { 'pids.max': '', 'pids.current': '3\n', 'pids.events': 'max 5\n', 'cgroup.procs': '' });
  files(dir('memory'), {
    'memory.limit_in_bytes': '',
    'memory.usage_in_bytes': '4096\n',
    'memory.max_usage_in_bytes': '8192\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    'cgroup.procs': '',
  });
  files(dir('cpu'), { 'cpu.cfs_quota_us': '', 'cpu.cfs_period_us': '', 'cpu.shares': '', 'cgroup.procs': '' });
  files(dir('blkio'), { 'blkio.bfq.weight': '' });
  files(dir('cpuacct'), { 'cpuacct.usage': '5000000\n', 'cgroup.procs': '11\n12\n' });
  files(dir('devices'), { 'devices.allow': '', 'devices.deny': '' });
  files(dir('freezer'), { 'freezer.state': '' });

  it('is the v1 backend, with one directory per hierarchy below the top-level parent', () => {
    assert.equal(manager.layout, 'hybrid');
    assert.deepEqual(manager.directories('ts-nspawn/c1'), hierarchies.map((h) => join(h.mountPoint, 'ts-nspawn/c1')));
  });

  it('has init move its own thread into each v1 hierarchy and clones it into the cgroup2 one', () => {
    const directories = manager.directories('ts-nspawn/c1');
    const unified = join(base, 'hybrid/unified/ts-nspawn/c1');
    assert.deepEqual(manager.entry(directories), {
      cloneInto: unified,
      selfJoin: directories.filter((d) => d !== unified).map((d) => join(d, 'tasks')),
    });
    assert.equal(manager.deviceProgramDirectory(directories), undefined);
  });

  it('creates the cgroup in every hierarchy, giving new cpusets their parent CPUs and memory nodes', () => {
    const directories = manager.create('ts-nspawn/c1');
    assert.equal(directories.length, hierarchies.length);
    assert.equal(read(join(dir('cpuset'), 'cpuset.cpus')), '0-1\n');
    assert.equal(read(join(dir('cpuset'), 'cpuset.mems')), '0\n');
  });

  it('writes each limit where its controller lives, and the device rules as devices.deny/allow lines', () => {
    const directories = manager.directories('ts-nspawn/c1');
    const unsupported = manager.setLimits(directories, {
      pids: { limit: 64 },
      memory: { limit: 64 << 20 },
      cpu: { quota: 50000, period: 100000 },
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rw' }],
    });
    assert.deepEqual(unsupported, []);
    assert.equal(read(join(dir('pids'), 'pids.max')), '64');
    assert.equal(read(join(dir('memory'), 'memory.limit_in_bytes')), String(64 << 20));
    assert.equal(read(join(dir('cpu'), 'cpu.cfs_period_us')), '100000');
    assert.equal(read(join(dir('cpu'), 'cpu.cfs_quota_us')), '50000');
    assert.equal(read(join(dir('devices'), 'devices.deny')), 'a *:* rwm');
    assert.equal(read(join(dir('devices'), 'devices.allow')), 'c 1:3 rwmc 136:* rw');
  });

  it('writes shares, cpusets and the bfq I/O weight (blkio.weight is gone with CFQ)', () => {
    const directories = manager.directories('ts-nspawn/c1');
    const unsupported = manager.setLimits(directories, { cpu: { shares: 1024, cpus: '1', mems: '0' }, blockIO: { weight: 300 } });
    assert.deepEqual(unsupported, []);
    assert.equal(read(join(dir('cpu'), 'cpu.shares')), '1024');
    assert.equal(read(join(dir('cpuset'), 'cpuset.cpus')), '0-1\n1');
    assert.equal(read(join(dir('cpuset'), 'cpuset.mems')), '0\n0');
    assert.equal(read(join(dir('blkio'), 'blkio.bfq.weight')), '300');
  });

  it('writes memory and memory+swap, naming swap when the host has no swap accounting', () => {
    const directories = manager.directories('ts-nspawn/c1');
    const memsw = join(dir('memory'), 'memory.memsw.limit_in_bytes');
    const limit = join(dir('memory'), 'memory.limit_in_bytes');
    // Which one goes first is the kernel's to judge: the integration test's update grows and shrinks both.
    writeFileSync(memsw, '100');
    writeFileSync(limit, '');
    manager.setLimits(directories, { memory: { limit: 200, swap: 300 } });
    assert.equal(read(memsw), '100300');
    assert.equal(read(limit), '200');
    writeFileSync(memsw, '300');
    writeFileSync(limit, '');
    assert.deepEqual(manager.setLimits(directories, { memory: { limit: 50, swap: 60 } }), []);
    assert.equal(read(memsw), '30060');
    assert.equal(read(limit), '50');
    rmSync(memsw);
    assert.deepEqual(manager.setLimits(directories, { memory: { limit: 10, swap: 20 } }), ['memory.swap'], 'no swap accounting: named, memory still set');
    writeFileSync(limit, '10');
  });

  it('names the limits whose controller the host lacks instead of dropping them', () => {
    assert.deepEqual(manager.setLimits([dir('systemd')], { pids: { limit: 10 }, memory: { limit: 1 } }), ['pids', 'memory']);
  });

  it('reads the stats in the same units as on v2', () => {
    assert.deepEqual(manager.stats(manager.directories('ts-nspawn/c1')), {
      cpuUsageUsec: 5000,
      cpuUsageNs: 5000000,
      memoryCurrentBytes: 4096,
      memoryPeakBytes: 8192,
      memoryLimitBytes: 10,
      oomKills: 2,
      pids: 3,
      pidsLimit: 64,
      pidsLimitHits: 5,
      ioReadBytes: undefined,
      ioWriteBytes: undefined,
    });
  });

  it('lists the PIDs of every hierarchy', () => {
    assert.deepEqual(manager.pids([dir('cpuacct')]), [11, 12]);
  });

  it('freezes and thaws through the freezer', () => {
    writeFileSync(join(dir('freezer'), 'freezer.state'), '');
    // The fake file reads back FROZEN as soon as it was written, as a quick kernel would.
    manager.freeze([dir('freezer')]);
    manager.thaw([dir('freezer')]);
    assert.equal(read(join(dir('freezer'), 'freezer.state')), 'FROZENTHAWED');
  });

  it('reports a frozen (or freezing) cgroup as paused, a thawed one or one without a freezer as not', () => {
    const state = join(dir('freezer'), 'freezer.state');
    const cases: Array<[string, boolean]> = [['FROZEN\n', true], ['FREEZING\n', true], ['THAWED\n', false]];
    for (const [text, frozen] of cases) {
      writeFileSync(state, text);
      assert.equal(manager.frozen([dir('freezer')]), frozen, text);
    }
    assert.equal(manager.frozen([dir('pids')]), false);
  });
});

describe('cgroup manager, v2', () => {
  const root = join(base, 'unified');
  const manager = cgroupManager([{ version: 2, mountPoint: root, controllers: [], ownDirectory: root }]);
  const dir = join(root, 'ts-nspawn/c2');
  files(root, { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids\n', 'cgroup.subtree_control': 'memory\n' });
  files(join(root, 'ts-nspawn'), { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '' });
  files(dir, {
    'pids.max': '',
    'memory.max': '',
    'cpu.max': '',
    'cpu.weight': '',
    'cpuset.cpus': '',
    'memory.swap.max': '',
    'memory.events': 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n',
    'io.weight': '',
    'cgroup.procs': '',
    'cgroup.kill': '',
    'cpu.stat': 'usage_usec 1234\nuser_usec 1000\n',
    'memory.current': '4096\n',
    'memory.peak': '8192\n',
    'pids.current': '2\n',
    'io.stat': '8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2 rios=1 wios=1\n',
  });

  it('is the v2 backend: one directory, which init is cloned into', () => {
    assert.equal(manager.layout, 'unified');
    assert.deepEqual(manager.directories('ts-nspawn/c2'), [dir]);
    assert.deepEqual(manager.entry([dir]), { cloneInto: dir, selfJoin: [] });
    assert.equal(manager.deviceProgramDirectory([dir]), dir);
  });

  it('enables the controllers it needs in every ancestor, not in the container itself', () => {
    manager.create('ts-nspawn/c2');
    // Appended after what was there: only the missing ones, hugetlb not among them.
    assert.equal(read(join(root, 'cgroup.subtree_control')), 'memory\n+cpu +cpuset +io +pids');
    assert.equal(read(join(root, 'ts-nspawn/cgroup.subtree_control')), '+cpu +cpuset +io +memory +pids');
  });

  it('writes pids.max, memory.max, cpu.max and cpu.weight; device rules are left to the executor', () => {
    const unsupported = manager.setLimits([dir], {
      pids: { limit: -1 },
      memory: { limit: 1 << 30 },
      cpu: { quota: 50000, period: 100000, shares: 1024 },
      devices: [{ allow: false, access: 'rwm' }],
    });
    assert.deepEqual(unsupported, []);
    assert.equal(read(join(dir, 'pids.max')), 'max');
    assert.equal(read(join(dir, 'memory.max')), String(1 << 30));
    assert.equal(read(join(dir, 'cpu.max')), '50000 100000');
    assert.equal(read(join(dir, 'cpu.weight')), '100');
  });

  it('writes swap as swap alone, cpusets, and the I/O weight in io.weight\'s range without bfq; names what the host lacks', () => {
    const unsupported = manager.setLimits([dir], { memory: { limit: 100, swap: 250 }, cpu: { cpus: '0', mems: '0' }, blockIO: { weight: 10 } });
    assert.deepEqual(unsupported, ['cpuset']);
    assert.equal(read(join(dir, 'memory.swap.max')), '150');
    assert.equal(read(join(dir, 'cpuset.cpus')), '0');
    assert.equal(read(join(dir, 'io.weight')), '1');
    manager.setLimits([dir], { memory: { limit: 100, swap: -1 } });
    assert.equal(read(join(dir, 'memory.swap.max')), '150max');
    writeFileSync(join(dir, 'memory.max'), String(1 << 30));
  });

  it('reads the stats: cpu.stat, memory.current and peak, pids.current, io.stat summed over devices', () => {
    assert.deepEqual(manager.stats([dir]), {
      cpuUsageUsec: 1234,
      cpuUsageNs: 1234000,
      memoryCurrentBytes: 4096,
      memoryPeakBytes: 8192,
      memoryLimitBytes: 1 << 30,
      oomKills: 1,
      pids: 2,
      pidsLimit: undefined,
      pidsLimitHits: undefined,
      ioReadBytes: 101,
      ioWriteBytes: 202,
    });
  });

  it('reports the cgroup as paused while cgroup.freeze asks for it', () => {
    writeFileSync(join(dir, 'cgroup.freeze'), '1\n');
    assert.equal(manager.frozen([dir]), true);
    writeFileSync(join(dir, 'cgroup.freeze'), '0\n');
    assert.equal(manager.frozen([dir]), false);
  });

  it('kills everything at once through cgroup.kill', () => {
    manager.killAll([dir]);
    assert.equal(read(join(dir, 'cgroup.kill')), '1');
  });

  it('removes the container cgroup with its sub-cgroups', () => {
    const empty = join(root, 'ts-nspawn/empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    manager.remove([empty]);
    assert.throws(() => read(join(empty, 'x')), /ENOENT/);
  });
});

describe('cgroup manager, v2 below a delegated cgroup (rootless)', () => {
  const root = join(base, 'delegated');
  const scope = join(root, 'user.slice/u.service/app.slice/x.scope');
  const manager = cgroupManager([{ version: 2, mountPoint: root, controllers: [], ownDirectory: scope }], { delegatedRoot: scope });
  files(root, { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '' });
  files(join(root, 'user.slice'), { 'cgroup.controllers': 'cpu memory pids\n', 'cgroup.subtree_control': '' });
  files(scope, { 'cgroup.controllers': 'memory pids\n', 'cgroup.subtree_control': '', 'cgroup.procs': '' });
  files(join(scope, 'ts-nspawn'), { 'cgroup.controllers': 'memory pids\n', 'cgroup.subtree_control': '' });

  it('enables controllers from the delegated cgroup down, writing nothing above it', () => {
    const path = 'user.slice/u.service/app.slice/x.scope/ts-nspawn/c3';
    assert.deepEqual(manager.create(path), [join(root, path)]);
    assert.equal(read(join(scope, 'cgroup.subtree_control')), '+memory +pids');
    assert.equal(read(join(scope, 'ts-nspawn/cgroup.subtree_control')), '+memory +pids');
    assert.equal(read(join(root, 'cgroup.subtree_control')), '');
    assert.equal(read(join(root, 'user.slice/cgroup.subtree_control')), '');
  });

  it('refuses a cgroup outside the delegated one', () => {
    assert.throws(() => manager.create('ts-nspawn/c4'), /not below .*x\.scope, the cgroup this runtime may manage/);
  });

  it('is cgroup v2 only', () => {
    assert.throws(() => cgroupManager(v1Host('hybrid'), { delegatedRoot: scope }), /cgroup v2 feature/);
  });
});

describe('containerCgroupPath', () => {
  const spec = (linux: Spec['linux'], annotations: Record<string, string> = {}) => ({ ociVersion: '1.2.0', root: { path: '/' }, linux, annotations }) as Spec;
  it('is ts-nspawn/NAME at the top, or below --cgroup-parent or the spec cgroupsPath', () => {
    assert.equal(containerCgroupPath(spec({}), 'box'), 'ts-nspawn/box');
    assert.equal(containerCgroupPath(spec({}, { [ANNOTATION.cgroupParent]: 'tests/a' }), 'box'), 'tests/a/ts-nspawn/box');
    assert.equal(containerCgroupPath(spec({ cgroupsPath: '/runc/ctr' }), 'box'), 'runc/ctr/ts-nspawn/box');
    // The systemd cgroup driver's form, as podman and containerd write it.
    assert.equal(containerCgroupPath(spec({ cgroupsPath: 'machine.slice:libpod:abc' }), 'box'), 'machine.slice/libpod-abc.scope/ts-nspawn/box');
  });
});

describe('device policy rules', () => {
  it('denies all, allows mknod of any node, then exactly the given nodes, the console, ptmx and PTY slaves', () => {
    const rules = devicePolicy([{ type: 'c', path: '/dev/null', major: 1, minor: 3 }, { type: 'p', path: '/dev/fifo' }]);
    assert.deepEqual(rules.slice(0, 5), [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', access: 'm' },
      { allow: true, type: 'b', access: 'm' },
      { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
      { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
    ]);
    assert.deepEqual(rules.slice(5, 13).map((rule) => rule.major), [136, 137, 138, 139, 140, 141, 142, 143]);
    assert.deepEqual(rules.at(-1), { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    assert.equal(rules.length, 14, 'a FIFO needs no device rule');
  });
});
