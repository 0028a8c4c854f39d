import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Hierarchy } from '../../src/cgroups/hierarchies.js';
import { subCgroupDirectories } from '../../src/cgroups/sub-cgroup.js';
import { makeTempDir, writeTree } from './helpers/index.js';

describe('subCgroupDirectories (exec --cgroup)', () => {
  let temp: { path: string; remove: () => void };
  let hybrid: Hierarchy[];
  let unified: Hierarchy[];
  /** The container's cgroup in the hierarchy mounted at MOUNT (below the temp dir). */
  const container = (mount: string) => join(temp.path, mount, 'ts-nspawn/box');

  before(() => {
    temp = makeTempDir();
    const v1 = (mount: string, controllers: string[]): Hierarchy => ({ version: 1, mountPoint: join(temp.path, mount), controllers, ownDirectory: container(mount) });
    hybrid = [v1('memory', ['memory']), v1('cpu,cpuacct', ['cpu', 'cpuacct']), v1('systemd', ['name=systemd']), { version: 2, mountPoint: join(temp.path, 'unified'), controllers: [], ownDirectory: container('unified') }];
    unified = [{ version: 2, mountPoint: join(temp.path, 'v2'), controllers: [], ownDirectory: container('v2') }];
    // "sub" exists everywhere, "low" only under memory.
    for (const mount of ['memory', 'cpu,cpuacct', 'systemd', 'unified', 'v2']) writeTree(container(mount), { 'cgroup.procs': '', 'sub/cgroup.procs': '' });
    writeTree(container('memory'), { 'low/cgroup.procs': '' });
  });
  after(() => temp.remove());

  it('puts the process in PATH below the container\'s cgroup in every hierarchy', () => {
    assert.deepEqual(subCgroupDirectories(hybrid, new Map([['', 'sub']])), hybrid.map((h) => join(h.ownDirectory, 'sub')));
    assert.deepEqual(subCgroupDirectories(unified, new Map([['', '/sub/']])), [join(container('v2'), 'sub')]);
  });

  it('on cgroup v1, only in the hierarchies of the controllers named; the others keep the container\'s cgroup', () => {
    assert.deepEqual(subCgroupDirectories(hybrid, new Map([['memory', 'low']])), [join(container('memory'), 'low'), container('cpu,cpuacct'), container('systemd'), container('unified')]);
    assert.deepEqual(subCgroupDirectories(hybrid, new Map([['cpu', 'sub'], ['cpuacct', 'sub']]))[1], join(container('cpu,cpuacct'), 'sub'));
  });

  it('refuses a path out of the container\'s cgroup, one that does not exist, and controllers the host has not', () => {
    assert.throws(() => subCgroupDirectories(hybrid, new Map([['', '../other']])), /invalid --cgroup "\.\.\/other": it leads out of the container's cgroup/);
    assert.throws(() => subCgroupDirectories(unified, new Map([['', 'sub/../../..']])), /leads out of the container's cgroup/);
    assert.throws(() => subCgroupDirectories(hybrid, new Map([['', 'low']])), /the sub-cgroup "low" does not exist .*cpu,cpuacct.*create it first/);
    assert.throws(() => subCgroupDirectories(hybrid, new Map([['rdma', 'sub']])), /no cgroup hierarchy of this host has the controller rdma/);
    assert.throws(() => subCgroupDirectories(hybrid, new Map([['cpu', 'sub'], ['cpuacct', 'other']])), /share one hierarchy/);
    assert.throws(() => subCgroupDirectories(unified, new Map([['memory', 'sub']])), /cgroup v2 has one hierarchy, give the path alone/);
  });
});
