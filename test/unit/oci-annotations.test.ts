import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATION, splitList } from '../../src/oci/annotations.js';

describe('ANNOTATION', () => {
  it('names the ts-nspawn annotations under org.ts-nspawn', () => {
    assert.deepEqual(ANNOTATION, {
      machine: 'org.ts-nspawn.machine',
      boot: 'org.ts-nspawn.boot',
      bridge: 'org.ts-nspawn.network.bridge',
      addresses: 'org.ts-nspawn.network.addresses',
      gateways: 'org.ts-nspawn.network.gateways',
      helper: 'org.ts-nspawn.network.helper',
      helperOptions: 'org.ts-nspawn.network.helper-options',
      ports: 'org.ts-nspawn.network.ports',
      cgroupParent: 'org.ts-nspawn.cgroup-parent',
      privateUsersPick: 'org.ts-nspawn.private-users.pick',
      privateUsersOwnership: 'org.ts-nspawn.private-users.ownership',
    });
  });
});

describe('splitList', () => {
  it('splits a comma-separated list, dropping empty items', () => {
    assert.deepEqual(splitList('10.0.0.2/24,fd00::2/64'), ['10.0.0.2/24', 'fd00::2/64']);
    assert.deepEqual(splitList('a,,b,'), ['a', 'b']);
    assert.deepEqual(splitList('one'), ['one']);
  });

  it('is empty for an empty or missing value', () => {
    assert.deepEqual(splitList(''), []);
    assert.deepEqual(splitList(undefined), []);
    assert.deepEqual(splitList(','), []);
  });
});
