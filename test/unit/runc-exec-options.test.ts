import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subCgroupRequest } from '../../src/runc/commands/exec.js';
import { preservedFds } from '../../src/runc/preserved-fds.js';

describe('ts-runc exec options', () => {
  it('reads --cgroup as runc does: one PATH, or CONTROLLER[,CONTROLLER]:PATH each', () => {
    assert.equal(subCgroupRequest([]), undefined);
    assert.deepEqual(subCgroupRequest(['sub']), new Map([['', 'sub']]));
    assert.deepEqual(subCgroupRequest(['cpu,cpuacct:a', 'memory:b/c']), new Map([['cpu', 'a'], ['cpuacct', 'a'], ['memory', 'b/c']]));
    assert.throws(() => subCgroupRequest(['a', 'b']), /invalid --cgroup argument: a \(missing <controller>: prefix\)/);
    assert.throws(() => subCgroupRequest([':a']), /invalid --cgroup argument: :a \(empty <controller> prefix\)/);
    assert.throws(() => subCgroupRequest(['cpu:a', 'cpu,memory:b']), /controller cpu specified multiple times/);
  });

  it('reads --preserve-fds as runc does: a count from fd 3, none below one, each descriptor checked open', () => {
    assert.deepEqual(preservedFds({}), []);
    assert.deepEqual(preservedFds({ 'preserve-fds': '0' }), []);
    assert.deepEqual(preservedFds({ 'preserve-fds': '-3' }), []);
    assert.throws(() => preservedFds({ 'preserve-fds': 'two' }), /invalid value "two" for flag -preserve-fds: parse error/);
    // Far more than any process has open: refused at the first one missing, not after trying them all.
    assert.throws(() => preservedFds({ 'preserve-fds': '1000000000' }), /unable to stat preserved-fd \d+ \(of 1000000000\): fd \d+: EBADF/);
  });
});
