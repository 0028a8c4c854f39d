import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { Spec } from '../../src/oci/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { encodePlan } from '../../src/plan/encode.js';
import { highestInside, rootlessMaps } from '../../src/rootless/maps.js';
import { checkRootless, rootlessSpec } from '../../src/rootless/policy.js';
import { rootlessStateRoot } from '../../src/rootless/state-dir.js';
import { parseSubordinate } from '../../src/rootless/subid.js';
import { validateSpec } from '../../src/oci/validate.js';
import { assertContainerError, makeTempDir } from './helpers/index.js';

const user = { uid: 1000, gid: 1000, name: 'alice' };
const helpers = { uid: '/usr/bin/newuidmap', gid: '/usr/bin/newgidmap' };

describe('rootless: /etc/subuid and /etc/subgid', () => {
  it('finds the first range of the user by name or by number, skipping others and junk', () => {
    const text = '# comment\nbob:100000:65536\nbad line\nalice:165536:65536\nalice:300000:10\n';
    assert.deepEqual(parseSubordinate(text, { id: 1000, name: 'alice' }), { start: 165536, count: 65536 });
    assert.deepEqual(parseSubordinate('1000:5000000:1000\n', { id: 1000, name: 'alice' }), { start: 5000000, count: 1000 });
    assert.equal(parseSubordinate('bob:1:2\nalice:1:0\n', { id: 1000, name: 'alice' }), undefined);
  });
});

describe('rootless: the ID maps', () => {
  it('maps the user to root and its range from 1 (at most 65536 IDs), through the helpers', () => {
    const maps = rootlessMaps(user, { uid: { start: 165536, count: 100000 }, gid: { start: 200000, count: 1000 } }, helpers);
    assert.deepEqual(maps.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 165536, size: 65536 }]);
    assert.deepEqual(maps.gidMappings, [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 200000, size: 1000 }]);
    assert.deepEqual(maps.writer, { uidHelper: [helpers.uid], gidHelper: [helpers.gid] });
    assert.equal(highestInside(maps.gidMappings), 1000);
  });
  it('maps only the user without a range in both files, written without helpers', () => {
    const maps = rootlessMaps(user, { uid: { start: 165536, count: 65536 } }, helpers);
    assert.deepEqual(maps.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
    assert.deepEqual(maps.writer, { uidHelper: [], gidHelper: [] });
  });
  it('says to install uidmap when there are ranges but no helpers', () => {
    assertContainerError(() => rootlessMaps(user, { uid: { start: 1, count: 2 }, gid: { start: 1, count: 2 } }, { uid: undefined, gid: undefined }), 'newuidmap', 'uidmap');
  });
});

describe('rootless: the spec', () => {
  const tree = makeTempDir();
  mkdirSync(join(tree.path, 'bin'));
  after(() => tree.remove());
  // No default pids limit: what buildSpec gives when it runs rootless (this test may run as root).
  const options = { directory: tree.path, command: ['/bin/true'], pidsLimit: -1 };
  // 'alice' (uid 1000 here) has no range in this host's files: only she is mapped.

  it('gets a user namespace first with the maps, ping_group_range within them, devpts without an unmapped gid', () => {
    const spec = rootlessSpec(buildSpec(options), user) as Spec;
    assert.equal(spec.linux?.namespaces?.[0]?.type, 'user');
    const devpts = spec.mounts?.find((mount) => mount.type === 'devpts');
    assert.deepEqual(spec.linux?.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
    assert.ok(!devpts?.options?.includes('gid=5'));
    assert.equal(spec.linux?.sysctl?.['net.ipv4.ping_group_range'], '0 0');
    validateSpec(spec);
  });
  it('compiles the maps with their writer: helpers (setgroups allowed) or the supervisor (setgroups denied)', () => {
    const spec = validateSpec(rootlessSpec(buildSpec(options), user)).spec;
    const withHelpers = compilePlan(spec, { userMapWriter: { uidHelper: [helpers.uid], gidHelper: [helpers.gid] } });
    assert.deepEqual(withHelpers.find((step) => step.op === 'user-map-writer'), { op: 'user-map-writer', uidHelper: [helpers.uid], gidHelper: [helpers.gid] });
    assert.equal(withHelpers.find((step) => step.op === 'user-map')?.op === 'user-map' && (withHelpers.find((step) => step.op === 'user-map') as { setgroups: string }).setgroups, 'allow');
    const alone = compilePlan(spec, { userMapWriter: { uidHelper: [], gidHelper: [] } });
    assert.equal((alone.find((step) => step.op === 'user-map') as { setgroups: string }).setgroups, 'deny');
    assert.ok(encodePlan(withHelpers).includes(['user-map-writer', '1', helpers.uid, '1', helpers.gid, ''].join('\0')));
  });
  it('refuses in one line what needs root: a bridge, the host network, limits, --private-users, a cgroup parent', () => {
    const refused = (extra: object, ...parts: string[]) =>
      assertContainerError(() => {
        const { spec, settings } = validateSpec(rootlessSpec(buildSpec({ ...options, ...extra }), user));
        checkRootless(spec, settings);
      }, ...parts);
    refused({ hostNetwork: true }, '--host-network does not work rootless');
    refused({ network: { bridge: 'br0', addresses: ['10.0.0.2/24'] } }, '--network-bridge br0 does not work rootless');
    refused({ memory: 1 << 26 }, '--memory', 'does not work rootless');
    refused({ cpus: 0.5 }, '--cpus', 'does not work rootless');
    refused({ pidsLimit: 64 }, '--pids-limit', 'does not work rootless');
    refused({ cgroupParent: 'x' }, '--cgroup-parent', 'does not work rootless');
    // Unlimited is what rootless gives anyway.
    const { spec, settings } = validateSpec(rootlessSpec(buildSpec({ ...options, pidsLimit: -1 }), user));
    checkRootless(spec, settings);
  });
});

describe('rootless: the state directory', () => {
  it('is $XDG_RUNTIME_DIR/ts-nspawn when that is the user\'s own, not writable by others', () => {
    const dir = makeTempDir();
    try {
      const uid = process.geteuid!();
      chmodSync(dir.path, 0o700);
      assert.equal(rootlessStateRoot({ XDG_RUNTIME_DIR: dir.path }, uid), join(dir.path, 'ts-nspawn'));
      chmodSync(dir.path, 0o777);
      assertContainerError(() => rootlessStateRoot({ XDG_RUNTIME_DIR: dir.path }, uid), 'nobody else may write');
      chmodSync(dir.path, 0o700);
      assertContainerError(() => rootlessStateRoot({ XDG_RUNTIME_DIR: dir.path }, uid + 1), 'a directory of yours');
      assertContainerError(() => rootlessStateRoot({}, uid), 'XDG_RUNTIME_DIR is not set', 'TS_NSPAWN_STATE_DIR');
      assertContainerError(() => rootlessStateRoot({ XDG_RUNTIME_DIR: 'run/user' }, uid), 'not absolute');
    } finally {
      dir.remove();
    }
  });
});
