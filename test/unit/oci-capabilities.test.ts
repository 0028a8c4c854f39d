import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilityMask, isCapabilityName } from '../../src/oci/capabilities.js';
import { DEFAULT_CAPABILITIES } from '../../src/oci/defaults.js';

describe('capabilityMask', () => {
  it('is 0x0 for no capabilities', () => {
    assert.equal(capabilityMask([]), '0x0');
    assert.equal(capabilityMask(undefined), '0x0');
  });

  it('sets the bit of each capability number (linux/capability.h)', () => {
    assert.equal(capabilityMask(['CAP_CHOWN']), '0x1');
    assert.equal(capabilityMask(['CAP_NET_ADMIN']), '0x1000');
    assert.equal(capabilityMask(['CAP_SYS_ADMIN']), '0x200000');
    assert.equal(capabilityMask(['CAP_SETFCAP']), '0x80000000');
    assert.equal(capabilityMask(['CAP_MAC_OVERRIDE']), '0x100000000');
    assert.equal(capabilityMask(['CAP_CHECKPOINT_RESTORE']), '0x10000000000');
  });

  it('ignores duplicates and order', () => {
    assert.equal(capabilityMask(['CAP_KILL', 'CAP_CHOWN', 'CAP_KILL']), '0x21');
  });

  it("gives systemd-nspawn's default set for DEFAULT_CAPABILITIES", () => {
    assert.equal(capabilityMask(DEFAULT_CAPABILITIES), '0xfdecafff');
  });

  it('rejects an unknown name', () => {
    assert.throws(() => capabilityMask(['CAP_CHOWN', 'CAP_NOPE']), { name: 'ContainerError', code: 'invalid-spec', message: 'unknown capability "CAP_NOPE"' });
  });

  // BUG (src/oci/capabilities.ts:56): the lookup `CAPABILITY_NUMBERS[name]` sees
  // Object.prototype, so these names reach BigInt() and throw a SyntaxError
  // ("Cannot convert function toString() ... to a BigInt") instead of the
  // "unknown capability" error. isCapabilityName() already uses Object.hasOwn.
  it('rejects names inherited from Object.prototype as unknown', () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      assert.throws(() => capabilityMask([name]), { name: 'ContainerError', message: `unknown capability "${name}"` });
    }
  });
});

describe('isCapabilityName', () => {
  it('knows the names, and only own ones', () => {
    assert.equal(isCapabilityName('CAP_SYS_ADMIN'), true);
    assert.equal(isCapabilityName('CAP_BPF'), true);
    assert.equal(isCapabilityName('CAP_sys_admin'), false);
    assert.equal(isCapabilityName('SYS_ADMIN'), false);
    assert.equal(isCapabilityName('hasOwnProperty'), false);
  });
});
