import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subCgroupRequest } from '../../src/runc/commands/exec.js';
import { preserveCount, preservedFds } from '../../src/runc/preserved-fds.js';

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
    assert.equal(preserveCount({}), 0);
    assert.equal(preserveCount({ 'preserve-fds': '0' }), 0);
    assert.equal(preserveCount({ 'preserve-fds': '-3' }), 0);
    assert.equal(preserveCount({ 'preserve-fds': '2' }), 2);
    assert.throws(() => preserveCount({ 'preserve-fds': 'two' }), /invalid value "two" for flag -preserve-fds: parse error/);
    assert.deepEqual(preservedFds(0), []);
    // Far more than any process has open: refused at the first one missing, not after trying them all.
    assert.throws(() => preservedFds(1_000_000_000), /unable to stat preserved-fd \d+ \(of 1000000000\): fd \d+: EBADF/);
  });
});
