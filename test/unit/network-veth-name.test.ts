import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IFNAMSIZ_MAX, vethName } from '../../src/network/veth-name.js';

describe('vethName', () => {
  it('uses the kernel limit of 15 characters', () => {
    assert.equal(IFNAMSIZ_MAX, 15);
  });

  it('keeps a short machine name as vb-NAME', () => {
    assert.equal(vethName('web'), 'vb-web');
    assert.equal(vethName('abcdefghijkl'), 'vb-abcdefghijkl'); // exactly 15 characters
  });

  it('shortens a long name to 15 characters: vb-, 7 characters of the name, a dash and 4 hex digits', () => {
    const name = vethName('abcdefghijklm'); // 16 as vb-NAME
    assert.equal(name.length, 15);
    assert.match(name, /^vb-abcdefg-[0-9a-f]{4}$/);
    const veryLong = vethName('a-very-long-machine-name-indeed-0123456789');
    assert.equal(veryLong.length, 15);
    assert.match(veryLong, /^vb-a-very--[0-9a-f]{4}$/);
  });

  it('is deterministic', () => {
    assert.equal(vethName('a-very-long-machine-name'), vethName('a-very-long-machine-name'));
    assert.equal(vethName('a-very-long-machine-name', 3), vethName('a-very-long-machine-name', 3));
  });

  it('tells apart long names that share their first characters', () => {
    assert.notEqual(vethName('container-one-x'), vethName('container-two-x'));
  });

  it('gives a different name on each retry, also for short names', () => {
    const long = new Set([0, 1, 2, 3, 4].map((attempt) => vethName('a-very-long-machine-name', attempt)));
    assert.equal(long.size, 5);
    for (const name of long) assert.ok(name.length <= IFNAMSIZ_MAX, name);

    const retried = vethName('web', 1);
    assert.notEqual(retried, 'vb-web');
    assert.match(retried, /^vb-web-[0-9a-f]{4}$/);
    assert.notEqual(vethName('web', 2), retried);
  });
});
