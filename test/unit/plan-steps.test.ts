import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStep } from '../../src/plan/steps.js';

describe('describeStep', () => {
  it('describes a file-system mount without its source', () => {
    assert.equal(
      describeStep({ op: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: ['nosuid'], data: '', create: 'dir' }),
      'mounting proc on /proc',
    );
  });

  it('describes a bind mount with its source', () => {
    assert.equal(
      describeStep({ op: 'mount', source: '/host/data', target: '/data', fstype: '', flags: ['rbind', 'ro'], data: '', create: 'auto' }),
      'mounting bind /host/data on /data',
    );
  });

  it('describes the path and identity steps', () => {
    assert.equal(describeStep({ op: 'mknod', path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 }), 'creating device node /dev/null');
    assert.equal(describeStep({ op: 'symlink', target: 'pts/ptmx', path: '/dev/ptmx' }), 'creating symlink /dev/ptmx');
    assert.equal(describeStep({ op: 'enter-root', path: '/srv/root' }), 'entering the root directory /srv/root');
    assert.equal(describeStep({ op: 'pivot-root' }), 'switching to the container root (pivot_root)');
    assert.equal(describeStep({ op: 'mask', path: '/proc/kcore' }), 'masking /proc/kcore');
    assert.equal(describeStep({ op: 'readonly', path: '/proc/sys' }), 'making /proc/sys read-only');
    assert.equal(describeStep({ op: 'chdir', path: '/srv' }), 'changing to the working directory /srv');
    assert.equal(describeStep({ op: 'hostname', name: 'box' }), 'setting the hostname box');
    assert.equal(
      describeStep({ op: 'credentials', uid: 1000, gid: 100, groups: [], bounding: '0x0', effective: '0x0', permitted: '0x0', inheritable: '0x0', ambient: '0x0' }),
      'switching to uid 1000 gid 100',
    );
    assert.equal(describeStep({ op: 'namespaces', types: ['mount', 'pid'] }), 'creating namespaces (mount, pid)');
    assert.equal(describeStep({ op: 'exec', args: ['/bin/sh', '-c', 'x'] }), 'running /bin/sh');
  });

  it('falls back to the opcode', () => {
    assert.equal(describeStep({ op: 'loopback-up' }), 'loopback-up');
    assert.equal(describeStep({ op: 'setsid' }), 'setsid');
    assert.equal(describeStep({ op: 'unshare', types: ['cgroup'] }), 'unshare');
  });
});
