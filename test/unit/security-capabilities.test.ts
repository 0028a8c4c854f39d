import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilitiesFor, containerCapabilities, parseCapabilityNames, RUN_CAPABILITIES } from '../../src/security/capabilities.js';
import { securitySettings } from '../../src/security/policy.js';
import { ALL_CAPABILITIES } from '../../src/oci/capabilities.js';
import { DEFAULT_CAPABILITIES } from '../../src/oci/defaults.js';
import { assertContainerError } from './helpers/index.js';

const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort();
const run = { boot: false, privateNetwork: true };

describe('containerCapabilities', () => {
  it('gives run podman\'s set plus MKNOD and nothing that reaches the host', () => {
    const caps = containerCapabilities(run);
    assert.deepEqual(sorted(caps), sorted(RUN_CAPABILITIES));
    for (const cap of ['CAP_SYS_ADMIN', 'CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE', 'CAP_NET_RAW', 'CAP_NET_ADMIN']) {
      assert.ok(!caps.includes(cap as 'CAP_X'), cap);
    }
  });

  it('gives boot systemd-nspawn\'s set, with CAP_NET_ADMIN only in a private network', () => {
    assert.deepEqual(sorted(containerCapabilities({ boot: true, privateNetwork: true })), sorted([...DEFAULT_CAPABILITIES, 'CAP_NET_ADMIN']));
    assert.deepEqual(sorted(containerCapabilities({ boot: true, privateNetwork: false })), sorted(DEFAULT_CAPABILITIES));
  });

  it('adds and drops names with or without CAP_, in any case; a drop wins', () => {
    const caps = containerCapabilities({ ...run, add: ['net_admin', 'CAP_SYS_PTRACE'], drop: ['MKNOD', 'cap_sys_ptrace'] });
    assert.ok(caps.includes('CAP_NET_ADMIN'));
    assert.ok(!caps.includes('CAP_SYS_PTRACE'));
    assert.ok(!caps.includes('CAP_MKNOD'));
  });

  it('takes all for add and drop', () => {
    assert.deepEqual(containerCapabilities({ ...run, add: ['all'] }), ALL_CAPABILITIES);
    assert.deepEqual(containerCapabilities({ ...run, drop: ['ALL'] }), []);
    assert.deepEqual(containerCapabilities({ ...run, drop: ['all'], add: ['chown'] }), []);
    assert.deepEqual(containerCapabilities({ ...run, privileged: true }), ALL_CAPABILITIES);
  });

  it('refuses an unknown name, quoting it', () => {
    assertContainerError(() => parseCapabilityNames(['SYS_BOGUS'], '--capability'), "--capability 'SYS_BOGUS'");
  });
});

describe('capabilitiesFor', () => {
  it('gives root the bounding set as effective and permitted, nothing inheritable or ambient', () => {
    assert.deepEqual(capabilitiesFor(['CAP_CHOWN'], 0), {
      bounding: ['CAP_CHOWN'],
      effective: ['CAP_CHOWN'],
      permitted: ['CAP_CHOWN'],
      inheritable: [],
      ambient: [],
    });
  });

  it('gives another user nothing, not even a bounding set (no setuid way back)', () => {
    assert.deepEqual(capabilitiesFor(RUN_CAPABILITIES, 1000), { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] });
  });
});

describe('securitySettings', () => {
  const kind = { boot: false, privateNetwork: true, uid: 0 };

  it('turns on no_new_privs and the default filter for run, and the ping sysctl in a private network', () => {
    const settings = securitySettings({}, kind);
    assert.equal(settings.noNewPrivileges, true);
    assert.equal(settings.seccomp?.defaultAction, 'SCMP_ACT_ALLOW');
    assert.deepEqual(settings.sysctl, { 'net.ipv4.ping_group_range': '0 2147483647' });
    assert.deepEqual(securitySettings({}, { ...kind, privateNetwork: false }).sysctl, {});
  });

  it('keeps boot without no_new_privs (setuid su/sudo) but with a filter', () => {
    const settings = securitySettings({}, { ...kind, boot: true });
    assert.equal(settings.noNewPrivileges, false);
    assert.ok(settings.seccomp);
  });

  it('lets no_new_privs and the filter be turned off', () => {
    assert.equal(securitySettings({ noNewPrivileges: false }, kind).noNewPrivileges, false);
    assert.equal(securitySettings({ seccomp: 'unconfined' }, kind).seccomp, undefined);
  });

  it('--privileged: all capabilities, no filter, no no_new_privs; explicit choices still apply', () => {
    const settings = securitySettings({ privileged: true }, kind);
    assert.deepEqual(settings.capabilities.bounding, ALL_CAPABILITIES);
    assert.equal(settings.seccomp, undefined);
    assert.equal(settings.noNewPrivileges, false);
    const narrowed = securitySettings({ privileged: true, dropCapabilities: ['SYS_ADMIN'], seccomp: 'default' }, kind);
    assert.ok(!narrowed.capabilities.bounding?.includes('CAP_SYS_ADMIN'));
    assert.ok(narrowed.seccomp);
  });

  it('parses a profile object against the container\'s capabilities', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    assert.deepEqual(securitySettings({ seccomp: profile }, kind).seccomp, {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    });
  });
});
