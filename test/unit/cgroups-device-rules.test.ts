import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceFilterTokens, v1DeviceWrites } from '../../src/cgroups/device-rules.js';
import type { LinuxDeviceCgroup } from '../../src/oci/types.js';

const rules: LinuxDeviceCgroup[] = [
  { allow: false },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'b', major: 7, minor: null, access: 'r' },
  { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
];

describe('device rules', () => {
  it('become devices.deny/devices.allow lines in order on cgroup v1 (`a` for all, `*` for any number)', () => {
    assert.deepEqual(v1DeviceWrites(rules), [
      { file: 'devices.deny', line: 'a *:* rwm' },
      { file: 'devices.allow', line: 'c *:* m' },
      { file: 'devices.allow', line: 'c 1:3 rwm' },
      { file: 'devices.allow', line: 'b 7:* r' },
      { file: 'devices.deny', line: 'c 1:3 w' },
    ]);
  });

  it('become allow/deny tokens for the executor on cgroup v2', () => {
    assert.deepEqual(deviceFilterTokens(rules), ['deny a *:* rwm', 'allow c *:* m', 'allow c 1:3 rwm', 'allow b 7:* r', 'deny c 1:3 w']);
  });

  it('refuse an access other than r, w, m', () => {
    assert.throws(() => v1DeviceWrites([{ allow: true, access: 'x' }]), /invalid device access 'x'/);
  });
});
