import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutOf, parseHierarchies, type Hierarchy } from '../../src/cgroups/hierarchies.js';

/** A v1/hybrid host as /proc/self/mountinfo shows it (optional fields, non-cgroup mounts included). */
const HYBRID_MOUNTINFO = [
  '22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
  '23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw',
  '28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro',
  '31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpuacct',
  '34 31 0:31 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpuset,clone_children',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory',
  '36 31 0:33 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,devices',
  '37 31 0:34 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,freezer',
  '38 31 0:35 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,blkio',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,pids',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '',
].join('\n');

const HYBRID_CGROUP = [
  '9:name=systemd:/user.slice/user-1000.slice/session-2.scope',
  '8:pids:/user.slice/user-1000.slice/session-2.scope',
  '7:blkio:/',
  '6:freezer:/',
  '5:devices:/user.slice',
  '4:memory:/process_api/abc',
  '3:cpuset:/',
  '2:cpuacct:/',
  '1:cpu:/',
  '0::/user.slice/user-1000.slice/session-2.scope',
  '',
].join('\n');

const v1 = (mountPoint: string, controllers: string[], ownDirectory: string): Hierarchy => ({ version: 1, mountPoint, controllers, ownDirectory });
const v2 = (mountPoint: string, ownDirectory: string): Hierarchy => ({ version: 2, mountPoint, controllers: [], ownDirectory });

describe('parseHierarchies', () => {
  it('reads every hierarchy of a hybrid host, in mount order, with the caller\'s own directory', () => {
    assert.deepEqual(parseHierarchies(HYBRID_MOUNTINFO, HYBRID_CGROUP), [
      v1('/sys/fs/cgroup/cpu', ['cpu'], '/sys/fs/cgroup/cpu'),
      v1('/sys/fs/cgroup/cpuacct', ['cpuacct'], '/sys/fs/cgroup/cpuacct'),
      v1('/sys/fs/cgroup/cpuset', ['cpuset'], '/sys/fs/cgroup/cpuset'),
      v1('/sys/fs/cgroup/memory', ['memory'], '/sys/fs/cgroup/memory/process_api/abc'),
      v1('/sys/fs/cgroup/devices', ['devices'], '/sys/fs/cgroup/devices/user.slice'),
      v1('/sys/fs/cgroup/freezer', ['freezer'], '/sys/fs/cgroup/freezer'),
      v1('/sys/fs/cgroup/blkio', ['blkio'], '/sys/fs/cgroup/blkio'),
      v1('/sys/fs/cgroup/pids', ['pids'], '/sys/fs/cgroup/pids/user.slice/user-1000.slice/session-2.scope'),
      v1('/sys/fs/cgroup/systemd', ['name=systemd'], '/sys/fs/cgroup/systemd/user.slice/user-1000.slice/session-2.scope'),
      v2('/sys/fs/cgroup/unified', '/sys/fs/cgroup/unified/user.slice/user-1000.slice/session-2.scope'),
    ]);
  });

  it('never leaves a trailing slash on ownDirectory (caller at a hierarchy root)', () => {
    for (const hierarchy of parseHierarchies(HYBRID_MOUNTINFO, HYBRID_CGROUP)) {
      assert.ok(!hierarchy.ownDirectory.endsWith('/'), hierarchy.ownDirectory);
    }
    const atRoot = parseHierarchies('30 24 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '0::/\n');
    assert.deepEqual(atRoot, [v2('/sys/fs/cgroup', '/sys/fs/cgroup')]);
  });

  it('drops mount flags, clone_children, xattr and release_agent from the controllers', () => {
    const hierarchies = parseHierarchies(HYBRID_MOUNTINFO, HYBRID_CGROUP);
    assert.deepEqual(
      hierarchies.map((h) => h.controllers.join(',')),
      ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd', ''],
    );
  });

  it('reads a pure v2 host: one cgroup2 hierarchy at /sys/fs/cgroup', () => {
    const mountinfo = [
      '23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw',
      '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
      '',
    ].join('\n');
    const hierarchies = parseHierarchies(mountinfo, '0::/user.slice/x.scope\n');
    assert.deepEqual(hierarchies, [v2('/sys/fs/cgroup', '/sys/fs/cgroup/user.slice/x.scope')]);
  });

  it('keeps co-mounted controllers together (cpu,cpuacct; net_cls,net_prio)', () => {
    const mountinfo = [
      '39 33 0:34 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct',
      '40 33 0:35 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,net_cls,net_prio',
    ].join('\n');
    const procCgroup = '5:net_cls,net_prio:/\n4:cpu,cpuacct:/system.slice/ssh.service\n0::/system.slice/ssh.service\n';
    assert.deepEqual(parseHierarchies(mountinfo, procCgroup), [
      v1('/sys/fs/cgroup/cpu,cpuacct', ['cpu', 'cpuacct'], '/sys/fs/cgroup/cpu,cpuacct/system.slice/ssh.service'),
      v1('/sys/fs/cgroup/net_cls,net_prio', ['net_cls', 'net_prio'], '/sys/fs/cgroup/net_cls,net_prio'),
    ]);
  });

  it('uses a hierarchy mounted twice once, at its first usable mount', () => {
    const mountinfo = [
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '90 28 0:32 / /mnt/memory rw,relatime - cgroup cgroup rw,memory',
      '91 28 0:38 / /mnt/unified rw,relatime - cgroup2 cgroup2 rw',
      '92 28 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/a\n0::/b\n'), [
      v1('/sys/fs/cgroup/memory', ['memory'], '/sys/fs/cgroup/memory/a'),
      v2('/mnt/unified', '/mnt/unified/b'),
    ]);
  });

  it('skips a mount of a subtree the caller is not in, and takes a later mount that contains it', () => {
    const mountinfo = [
      '80 28 0:32 /other /srv/memory rw,relatime - cgroup cgroup rw,memory',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    ].join('\n');
    assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/process_api/abc\n'), [
      v1('/sys/fs/cgroup/memory', ['memory'], '/sys/fs/cgroup/memory/process_api/abc'),
    ]);
  });

  it('maps the caller\'s path through a bind-mounted subtree (mount root not /)', () => {
    const mountinfo = '35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory';
    assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/docker/abc/sub/leaf\n'), [
      v1('/sys/fs/cgroup/memory', ['memory'], '/sys/fs/cgroup/memory/sub/leaf'),
    ]);
    // Exactly at the subtree's root: the mount point itself.
    assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/docker/abc\n'), [v1('/sys/fs/cgroup/memory', ['memory'], '/sys/fs/cgroup/memory')]);
    // A sibling that merely shares the prefix is not inside the subtree.
    assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/docker/abcdef\n'), []);
    assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/elsewhere\n'), []);
  });

  it('unescapes \\ooo in mount points and roots (space, tab, backslash)', () => {
    const mountinfo = [
      '35 31 0:32 / /sys/fs/cgroup/my\\040cgroups rw,relatime - cgroup cgroup rw,memory',
      '36 31 0:33 /a\\011b /srv/back\\134slash rw,relatime - cgroup cgroup rw,pids',
    ].join('\n');
    assert.deepEqual(parseHierarchies(mountinfo, '8:pids:/a\tb/c\n4:memory:/x y\n'), [
      v1('/sys/fs/cgroup/my cgroups', ['memory'], '/sys/fs/cgroup/my cgroups/x y'),
      v1('/srv/back\\slash', ['pids'], '/srv/back\\slash/c'),
    ]);
  });

  it('ignores hierarchies the caller has no line for, and cgroup2 when /proc/self/cgroup has no 0:: line', () => {
    const mountinfo = [
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '36 31 0:33 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/m\n'), [v1('/sys/fs/cgroup/memory', ['memory'], '/sys/fs/cgroup/memory/m')]);
  });

  it('finds nothing without cgroup mounts or with empty input', () => {
    assert.deepEqual(parseHierarchies('', ''), []);
    assert.deepEqual(parseHierarchies('28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n', '0::/\n'), []);
  });

  it(
    'keeps a hierarchy whose super options carry noprefix or favordynmods',
    () => {
      const mountinfo = [
        '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,noprefix',
        '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory,favordynmods',
      ].join('\n');
      assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/m\n3:cpuset:/\n'), [
        v1('/sys/fs/cgroup/cpuset', ['cpuset'], '/sys/fs/cgroup/cpuset'),
        v1('/sys/fs/cgroup/memory', ['memory'], '/sys/fs/cgroup/memory/m'),
      ]);
    },
  );
});

describe('layoutOf', () => {
  const hybrid = parseHierarchies(HYBRID_MOUNTINFO, HYBRID_CGROUP);

  it('names a host with only cgroup2 unified', () => {
    assert.equal(layoutOf([v2('/sys/fs/cgroup', '/sys/fs/cgroup/user.slice')]), 'unified');
  });

  it('names a host with v1 hierarchies and cgroup2 hybrid', () => {
    assert.equal(layoutOf(hybrid), 'hybrid');
  });

  it('names a host with only v1 hierarchies legacy', () => {
    assert.equal(layoutOf(hybrid.filter((h) => h.version === 1)), 'legacy');
  });
});
