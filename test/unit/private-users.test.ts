import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSpec } from '../../src/oci/build-spec.js';
import { idmapProblem, parseOwnership, parsePrivateUsers } from '../../src/oci/private-users.js';
import { validateSpec } from '../../src/oci/validate.js';
import { compilePlan } from '../../src/plan/compile.js';
import { encodePlan } from '../../src/plan/encode.js';
import type { Step } from '../../src/plan/steps.js';
import { chooseRange, claimUserRange, nameSeed, POOL_END, POOL_START, RANGE } from '../../src/state/user-ranges.js';
import type { ContainerRecord } from '../../src/state/record.js';
import { readRecord } from '../../src/state/store.js';
import { assertContainerError, makeTempDir, useTemporaryStateDir, writeTree } from './helpers/index.js';

describe('--private-users values', () => {
  it('takes nspawn\'s forms: no, yes = pick, pick, identity, UID and UID:COUNT', () => {
    assert.equal(parsePrivateUsers('no'), 'no');
    assert.equal(parsePrivateUsers('false'), 'no');
    assert.equal(parsePrivateUsers('yes'), 'pick');
    assert.equal(parsePrivateUsers('pick'), 'pick');
    assert.equal(parsePrivateUsers('identity'), 'identity');
    assert.deepEqual(parsePrivateUsers('1048576'), { base: 1048576, count: 65536 });
    assert.deepEqual(parsePrivateUsers('1048576:1000'), { base: 1048576, count: 1000 });
  });
  it('refuses anything else, and a range from 0 (that is identity)', () => {
    for (const bad of ['', 'maybe', '-1', '12:0', '1:x', '4294967295', '0:65536']) assertContainerError(() => parsePrivateUsers(bad), '--private-users');
    assertContainerError(() => parseOwnership('sometimes'), '--private-users-ownership');
    assert.equal(parseOwnership('chown'), 'chown');
  });
});

describe('idmapProblem', () => {
  it('accepts ext4, xfs, btrfs and tmpfs on kernels that idmap them', () => {
    assert.equal(idmapProblem(0xef53, '6.18.4'), undefined);
    assert.equal(idmapProblem(0x58465342, '5.12.0'), undefined);
    assert.equal(idmapProblem(0x01021994, '6.3.1-foo'), undefined);
  });
  it('says why not: an older kernel, overlayfs or another file system', () => {
    assert.match(idmapProblem(0x01021994, '6.2.9') ?? '', /tmpfs need Linux 6\.3/);
    assert.match(idmapProblem(0xef53, '5.11.0') ?? '', /ext4 need Linux 5\.12/);
    assert.match(idmapProblem(0x794c7630, '6.18.0') ?? '', /type 0x794c7630\) does not take idmapped mounts/);
  });
});

describe('chooseRange', () => {
  it('takes a free preferred range first, then from the seed\'s slot, skipping taken ones and wrapping', () => {
    const taken = [{ base: POOL_START, count: RANGE }, { base: POOL_START + 2 * RANGE, count: 10 }];
    assert.equal(chooseRange(taken, [POOL_START + 5 * RANGE], 0), POOL_START + 5 * RANGE);
    assert.equal(chooseRange(taken, [POOL_START], 0), POOL_START + RANGE, 'a taken preference is skipped');
    assert.equal(chooseRange(taken, [123, POOL_END], 0), POOL_START + RANGE, 'outside the pool or unaligned: not taken');
    assert.equal(chooseRange(taken, [], 2), POOL_START + 3 * RANGE, 'any overlap makes a range taken');
    const slots = (POOL_END - POOL_START) / RANGE;
    assert.equal(chooseRange([], [], slots - 1), POOL_END - RANGE);
    assert.equal(chooseRange([{ base: POOL_END - RANGE, count: RANGE }], [], slots - 1), POOL_START, 'wraps around');
  });
  it('gives nothing when the pool is full', () => {
    assert.equal(chooseRange([{ base: POOL_START, count: POOL_END - POOL_START }], [], 7), undefined);
  });
  it('seeds by name, stably', () => {
    assert.equal(nameSeed('debian'), nameSeed('debian'));
    assert.notEqual(nameSeed('debian'), nameSeed('debian-2'));
  });
});

describe('claimUserRange', () => {
  const state = useTemporaryStateDir();
  after(() => state.remove());
  const record = (id: string, status: ContainerRecord['status'] = 'running'): ContainerRecord => {
    mkdirSync(join(state.path, id), { recursive: true });
    return {
      ociVersion: '1.2.0', id, status, pid: 0, bundle: '/', annotations: {}, created: '', command: ['x'], console: false, detached: true,
      boot: false, addresses: [], hostInterfaces: [], cgroups: [],
    };
  };
  it('never gives two containers the same range, even claimed at once; a stopped one holds none', async () => {
    const records = Array.from({ length: 8 }, (_, i) => record(`c${i}`));
    const ranges = await Promise.all(records.map((r) => claimUserRange(r, { pick: true, preferred: [POOL_START] })));
    assert.equal(new Set(ranges.map((r) => r.base)).size, 8);
    assert.deepEqual(readRecord('c3')?.userRange, ranges[3], 'recorded');
    const stopped = readRecord('c0')!;
    stopped.status = 'stopped';
    const { writeRecord } = await import('../../src/state/store.js');
    writeRecord(stopped);
    const next = await claimUserRange(record('c9'), { pick: true, preferred: [ranges[0]!.base] });
    assert.equal(next.base, ranges[0]!.base, 'given back once stopped');
  });
});

describe('plan of a user namespace', () => {
  const temp = makeTempDir();
  const root = join(temp.path, 'tree');
  before(() => writeTree(root, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' }));
  after(() => temp.remove());
  const ops = (plan: Step[]) => plan.map((step) => step.op);

  it('creates it first, writes its maps from outside, idmaps the root and binds host device nodes', () => {
    const spec = buildSpec({ directory: root, command: ['/bin/true'], privateUsers: { base: 1048576, count: 65536 } });
    assert.equal(spec.linux?.namespaces?.[0]?.type, 'user');
    const plan = compilePlan(validateSpec(spec).spec);
    const namespaces = plan.find((step) => step.op === 'namespaces');
    assert.ok(namespaces?.op === 'namespaces' && namespaces.types.includes('user'));
    const map = plan.find((step) => step.op === 'user-map');
    assert.deepEqual(map, { op: 'user-map', uids: [{ containerID: 0, hostID: 1048576, size: 65536 }], gids: [{ containerID: 0, hostID: 1048576, size: 65536 }], setgroups: 'allow' });
    assert.ok(ops(plan).includes('enter-root-idmapped') && !ops(plan).includes('enter-root'));
    assert.ok(!ops(plan).includes('mknod'), 'no mknod in a user namespace');
    assert.ok(plan.some((step) => step.op === 'mount' && step.source === '/dev/null' && step.target === '/dev/null' && step.flags.includes('bind')));
    assert.equal(spec.linux?.sysctl?.['net.ipv4.ping_group_range'], '0 65535', 'only mapped groups');
    assert.ok(encodePlan(plan).includes(Buffer.from('user-map\x001\x000 1048576 65536\x001\x000 1048576 65536\x00allow\x00')));
  });

  it('builds the file system in a stage of the host\'s, so it is locked; init mounts devpts, mqueue and the cgroup tree', () => {
    const spec = buildSpec({ directory: root, command: ['/bin/sh'], console: true, privateUsers: { base: 1048576, count: 65536 } });
    const withTmpfs = { ...spec, mounts: [...(spec.mounts ?? []), { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['uid=1000', 'gid=5', 'mode=700'] }] };
    const v1 = [{ version: 1 as const, mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'], ownDirectory: '/sys/fs/cgroup/memory' }];
    const plan = compilePlan(validateSpec(withTmpfs).spec, {}, { hierarchies: v1 });
    const namespaces = plan.find((step) => step.op === 'namespaces');
    assert.ok(namespaces?.op === 'namespaces' && !namespaces.types.includes('mount'), 'init is cloned into the stage\'s mount namespace');
    const start = ops(plan).indexOf('stage-mounts');
    const end = ops(plan).indexOf('stage-end');
    assert.ok(start > 0 && end > start);
    const staged = plan.slice(start + 1, end);
    const after = plan.slice(end + 1);
    for (const op of ['propagation', 'enter-root-idmapped', 'pivot-root', 'mask', 'readonly']) assert.ok(ops(staged).includes(op as Step['op']), op);
    const target = (steps: Step[], fstype: string) => steps.filter((step) => step.op === 'mount' && step.fstype === fstype).map((step) => step.op === 'mount' && step.target);
    assert.deepEqual(target(staged, 'proc'), ['/proc']);
    assert.ok(staged.some((step) => step.op === 'mount' && step.source === '/dev/null' && step.flags.includes('bind')), 'device binds: host paths');
    assert.deepEqual(target(after, 'devpts'), ['/dev/pts']);
    assert.deepEqual(target(after, 'cgroup'), ['/sys/fs/cgroup/memory']);
    assert.deepEqual(target(after, 'tmpfs'), ['/sys/fs/cgroup'], 'the v1 tree\'s own tmpfs is init\'s too');
    assert.ok(staged.some((step) => step.op === 'bind-console'), 'the console: a bind of a host PTY');
    assert.ok(!after.some((step) => step.op === 'pivot-root' || step.op === 'mask'));
    const scratch = staged.find((step) => step.op === 'mount' && step.target === '/scratch');
    assert.equal(scratch?.op === 'mount' && scratch.data, 'uid=1049576,gid=1048581,mode=700', 'a tmpfs\'s IDs are the host\'s in the stage');
  });

  it('leaves the file system to init where the stage cannot build it: rootless maps, joined namespaces, create hooks', () => {
    const spec = validateSpec(buildSpec({ directory: root, command: ['/bin/true'], privateUsers: { base: 1048576, count: 65536 } })).spec;
    const rootless = compilePlan(spec, { userMapWriter: { uidHelper: [], gidHelper: [] } });
    const hooked = compilePlan({ ...spec, hooks: { createRuntime: [{ path: '/bin/true' }] } });
    for (const plan of [rootless, hooked]) {
      assert.ok(!ops(plan).includes('stage-mounts'));
      const namespaces = plan.find((step) => step.op === 'namespaces');
      assert.ok(namespaces?.op === 'namespaces' && namespaces.types.includes('mount'));
    }
  });

  it('keeps the root as it is with chown or off ownership, and leaves pick\'s maps to the claim', () => {
    const spec = buildSpec({ directory: root, command: ['/bin/true'], privateUsers: 'pick', privateUsersOwnership: 'chown' });
    assert.equal(spec.linux?.uidMappings, undefined);
    assert.equal(spec.annotations?.['org.ts-nspawn.private-users.pick'], 'true');
    validateSpec(spec);
    const identity = buildSpec({ directory: root, command: ['/bin/true'], privateUsers: 'identity' });
    assert.ok(ops(compilePlan(validateSpec(identity).spec)).includes('enter-root'));
  });

  it('is not made for run by default, nor with --private-users=no for boot', () => {
    assert.ok(!buildSpec({ directory: root, command: ['/bin/true'] }).linux?.namespaces?.some((ns) => ns.type === 'user'));
    assert.ok(!buildSpec({ directory: root, boot: true, privateUsers: 'no' }).linux?.namespaces?.some((ns) => ns.type === 'user'));
  });

  it('refuses maps without a user namespace, a user namespace without maps, and other namespaces joined by path with one', () => {
    const spec = buildSpec({ directory: root, command: ['/bin/true'], privateUsers: { base: 1048576, count: 65536 } });
    assert.throws(() => validateSpec({ ...spec, linux: { ...spec.linux, namespaces: spec.linux!.namespaces!.filter((ns) => ns.type !== 'user') } }), /linux\.uidMappings: needs a new user namespace/);
    assert.throws(() => validateSpec({ ...spec, linux: { ...spec.linux, uidMappings: [] } }), /linux\.uidMappings: a new user namespace needs its ID maps/);
    const joined = { ...spec, linux: { ...spec.linux, namespaces: [...spec.linux!.namespaces!.filter((ns) => ns.type !== 'network'), { type: 'network' as const, path: '/run/netns/x' }] } };
    assert.throws(() => validateSpec(joined), /joining a network namespace by path together with a new user namespace is not supported/);
  });
});
