import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hierarchy } from '../../src/cgroups/hierarchies.js';
import { expandCgroupMount } from '../../src/plan/cgroup-mounts.js';
import type { Mount } from '../../src/oci/types.js';

const v1 = (name: string, controllers: string[] = [name]): Hierarchy => ({
  version: 1,
  mountPoint: `/sys/fs/cgroup/${name}`,
  controllers,
  ownDirectory: `/sys/fs/cgroup/${name}/user.slice`,
});
const UNIFIED_V2: Hierarchy = { version: 2, mountPoint: '/sys/fs/cgroup', controllers: [], ownDirectory: '/sys/fs/cgroup/user.slice/x.scope' };
const HYBRID_V2: Hierarchy = { version: 2, mountPoint: '/sys/fs/cgroup/unified', controllers: [], ownDirectory: '/sys/fs/cgroup/unified/user.slice' };

const cgroupMount = (readOnly: boolean, destination = '/sys/fs/cgroup'): Mount => ({
  destination,
  type: 'cgroup',
  source: 'cgroup',
  options: ['nosuid', 'noexec', 'nodev', ...(readOnly ? ['ro'] : [])],
});

const BASE = ['nosuid', 'nodev', 'noexec'];
const TMPFS: Mount = { destination: '/sys/fs/cgroup', type: 'tmpfs', source: 'tmpfs', options: [...BASE, 'mode=755', 'size=1024k'] };

describe('expandCgroupMount', () => {
  describe('on a v2 (unified) host', () => {
    it('gives one cgroup2 mount on the destination, read-only when the OCI mount is', () => {
      assert.deepEqual(expandCgroupMount(cgroupMount(true), [UNIFIED_V2]), {
        mounts: [{ destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2', options: [...BASE, 'ro'] }],
        symlinks: [],
      });
    });

    it('gives a writable cgroup2 mount when the OCI mount is not ro', () => {
      assert.deepEqual(expandCgroupMount(cgroupMount(false), [UNIFIED_V2]), {
        mounts: [{ destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2', options: BASE }],
        symlinks: [],
      });
    });

    it('mounts on the destination the spec gives', () => {
      const { mounts } = expandCgroupMount(cgroupMount(false, '/cg'), [UNIFIED_V2]);
      assert.deepEqual(mounts.map((m) => m.destination), ['/cg']);
    });
  });

  describe('on a hybrid host', () => {
    const hybrid: Hierarchy[] = [v1('cpu'), v1('memory'), v1('systemd', ['name=systemd']), v1('pids'), HYBRID_V2];

    it('gives a tmpfs, one mount per v1 hierarchy (controllers as data, ro), systemd writable, then unified cgroup2', () => {
      assert.deepEqual(expandCgroupMount(cgroupMount(false), hybrid), {
        mounts: [
          TMPFS,
          { destination: '/sys/fs/cgroup/cpu', type: 'cgroup', source: 'cgroup', options: [...BASE, 'ro', 'cpu'] },
          { destination: '/sys/fs/cgroup/memory', type: 'cgroup', source: 'cgroup', options: [...BASE, 'ro', 'memory'] },
          { destination: '/sys/fs/cgroup/systemd', type: 'cgroup', source: 'cgroup', options: [...BASE, 'name=systemd'] },
          { destination: '/sys/fs/cgroup/pids', type: 'cgroup', source: 'cgroup', options: [...BASE, 'ro', 'pids'] },
          { destination: '/sys/fs/cgroup/unified', type: 'cgroup2', source: 'cgroup2', options: BASE },
        ],
        symlinks: [],
      });
    });

    it('makes name=systemd and unified read-only too when the OCI mount is ro', () => {
      const { mounts } = expandCgroupMount(cgroupMount(true), hybrid);
      assert.deepEqual(mounts[0], TMPFS);
      assert.deepEqual(
        mounts.slice(1).map((m) => [m.destination, m.type, m.options]),
        [
          ['/sys/fs/cgroup/cpu', 'cgroup', [...BASE, 'ro', 'cpu']],
          ['/sys/fs/cgroup/memory', 'cgroup', [...BASE, 'ro', 'memory']],
          ['/sys/fs/cgroup/systemd', 'cgroup', [...BASE, 'ro', 'name=systemd']],
          ['/sys/fs/cgroup/pids', 'cgroup', [...BASE, 'ro', 'pids']],
          ['/sys/fs/cgroup/unified', 'cgroup2', [...BASE, 'ro']],
        ],
      );
    });

    it('mounts co-mounted cpu,cpuacct on directory "cpu,cpuacct" and links cpu and cpuacct to it', () => {
      const tree = expandCgroupMount(cgroupMount(false), [v1('cpu,cpuacct', ['cpu', 'cpuacct']), v1('net_cls,net_prio', ['net_cls', 'net_prio']), HYBRID_V2]);
      assert.deepEqual(tree.mounts.slice(1, 3), [
        { destination: '/sys/fs/cgroup/cpu,cpuacct', type: 'cgroup', source: 'cgroup', options: [...BASE, 'ro', 'cpu', 'cpuacct'] },
        { destination: '/sys/fs/cgroup/net_cls,net_prio', type: 'cgroup', source: 'cgroup', options: [...BASE, 'ro', 'net_cls', 'net_prio'] },
      ]);
      assert.deepEqual(tree.symlinks, [
        ['cpu,cpuacct', '/sys/fs/cgroup/cpu'],
        ['cpu,cpuacct', '/sys/fs/cgroup/cpuacct'],
        ['net_cls,net_prio', '/sys/fs/cgroup/net_cls'],
        ['net_cls,net_prio', '/sys/fs/cgroup/net_prio'],
      ]);
    });

    it('links nothing for single-controller and named hierarchies', () => {
      assert.deepEqual(expandCgroupMount(cgroupMount(false), hybrid).symlinks, []);
    });
  });

  describe('on a legacy (v1 only) host', () => {
    it('gives the tmpfs and the v1 mounts but no unified cgroup2', () => {
      const { mounts } = expandCgroupMount(cgroupMount(false), [v1('memory'), v1('systemd', ['name=systemd'])]);
      assert.deepEqual(mounts, [
        TMPFS,
        { destination: '/sys/fs/cgroup/memory', type: 'cgroup', source: 'cgroup', options: [...BASE, 'ro', 'memory'] },
        { destination: '/sys/fs/cgroup/systemd', type: 'cgroup', source: 'cgroup', options: [...BASE, 'name=systemd'] },
      ]);
    });
  });

  describe('without a cgroup namespace (the container\'s own directories given)', () => {
    const hybrid: Hierarchy[] = [v1('memory'), v1('systemd', ['name=systemd']), HYBRID_V2];
    const own = ['/sys/fs/cgroup/memory/engine/ts-nspawn/c1', '/sys/fs/cgroup/systemd/engine/ts-nspawn/c1', '/sys/fs/cgroup/unified/engine/ts-nspawn/c1'];

    it('binds each hierarchy\'s own directory instead of the hierarchy, keeping the access', () => {
      const { mounts } = expandCgroupMount(cgroupMount(false), hybrid, own);
      assert.deepEqual(mounts, [
        TMPFS,
        { destination: '/sys/fs/cgroup/memory', type: 'bind', source: own[0], options: ['bind', ...BASE, 'ro'] },
        { destination: '/sys/fs/cgroup/systemd', type: 'bind', source: own[1], options: ['bind', ...BASE] },
        { destination: '/sys/fs/cgroup/unified', type: 'bind', source: own[2], options: ['bind', ...BASE] },
      ]);
    });

    it('binds the own directory of a v2 host on the destination', () => {
      const { mounts } = expandCgroupMount(cgroupMount(true), [UNIFIED_V2], ['/sys/fs/cgroup/engine/ts-nspawn/c1']);
      assert.deepEqual(mounts, [{ destination: '/sys/fs/cgroup', type: 'bind', source: '/sys/fs/cgroup/engine/ts-nspawn/c1', options: ['bind', ...BASE, 'ro'] }]);
    });
  });

  it('gives nothing without hierarchies', () => {
    assert.deepEqual(expandCgroupMount(cgroupMount(false), []), { mounts: [], symlinks: [] });
    assert.deepEqual(expandCgroupMount(cgroupMount(true), []), { mounts: [], symlinks: [] });
  });
});
