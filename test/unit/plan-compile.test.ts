import assert from 'node:assert/strict';
import { ContainerError } from '../../src/errors.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan, Step } from '../../src/plan/steps.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import { DEFAULT_PATH } from '../../src/oci/defaults.js';
import type { ContainerOptions } from '../../src/oci/container-options.js';
import type { Spec } from '../../src/oci/types.js';
import { makeTempDir, writeTree } from './helpers/index.js';

/** systemd-nspawn's default capability set (boot), bit by bit (linux/capability.h). */
const DEFAULT_MASK = '0xfdecafff';
/** The same plus CAP_NET_ADMIN (bit 12). */
const DEFAULT_MASK_NET_ADMIN = '0xfdecbfff';
/** podman's default set plus MKNOD (run): bits 0 1 3-8 10 18 27 31. */
const RUN_MASK = '0x880405fb';

type StepOf<Op extends Step['op']> = Extract<Step, { op: Op }>;

const ops = (plan: Plan): string[] => plan.map((step) => step.op);

function stepsOf<Op extends Step['op']>(plan: Plan, op: Op): StepOf<Op>[] {
  return plan.filter((step): step is StepOf<Op> => step.op === op);
}

function only<Op extends Step['op']>(plan: Plan, op: Op): StepOf<Op> {
  const steps = stepsOf(plan, op);
  assert.equal(steps.length, 1, `expected exactly one ${op} step, got ${steps.length}`);
  return steps[0] ?? assert.fail();
}

/** Index of the first step matching, failing when there is none. */
function indexOf(plan: Plan, predicate: (step: Step) => boolean, what: string): number {
  const index = plan.findIndex(predicate);
  assert.ok(index >= 0, `no ${what} step in ${ops(plan).join(' ')}`);
  return index;
}

function lastIndexOf(plan: Plan, predicate: (step: Step) => boolean, what: string): number {
  let index = plan.length - 1;
  while (index >= 0 && !predicate(plan[index] ?? assert.fail())) index--;
  assert.ok(index >= 0, `no ${what} step in ${ops(plan).join(' ')}`);
  return index;
}

const DEFAULT_DEVICE_STEPS: Step[] = [
  { op: 'mknod', path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
  { op: 'mknod', path: '/dev/zero', type: 'c', major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0 },
  { op: 'mknod', path: '/dev/full', type: 'c', major: 1, minor: 7, mode: 0o666, uid: 0, gid: 0 },
  { op: 'mknod', path: '/dev/random', type: 'c', major: 1, minor: 8, mode: 0o666, uid: 0, gid: 0 },
  { op: 'mknod', path: '/dev/urandom', type: 'c', major: 1, minor: 9, mode: 0o666, uid: 0, gid: 0 },
  { op: 'mknod', path: '/dev/tty', type: 'c', major: 5, minor: 0, mode: 0o666, uid: 0, gid: 0 },
  { op: 'symlink', target: '/proc/self/fd', path: '/dev/fd' },
  { op: 'symlink', target: '/proc/self/fd/0', path: '/dev/stdin' },
  { op: 'symlink', target: '/proc/self/fd/1', path: '/dev/stdout' },
  { op: 'symlink', target: '/proc/self/fd/2', path: '/dev/stderr' },
  { op: 'symlink', target: 'pts/ptmx', path: '/dev/ptmx' },
];

const DEFAULT_MOUNT_STEPS: Step[] = [
  { op: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: ['nosuid', 'noexec', 'nodev'], data: '', create: 'dir' },
  { op: 'mount', source: 'sysfs', target: '/sys', fstype: 'sysfs', flags: ['ro', 'nosuid', 'noexec', 'nodev'], data: '', create: 'dir' },
  { op: 'mount', source: 'tmpfs', target: '/dev', fstype: 'tmpfs', flags: ['nosuid', 'strictatime'], data: 'mode=755,size=65536k', create: 'dir' },
  {
    op: 'mount',
    source: 'devpts',
    target: '/dev/pts',
    fstype: 'devpts',
    flags: ['nosuid', 'noexec'],
    data: 'newinstance,ptmxmode=0666,mode=0620,gid=5',
    create: 'dir',
  },
  {
    op: 'mount',
    source: 'shm',
    target: '/dev/shm',
    fstype: 'tmpfs',
    flags: ['nosuid', 'noexec', 'nodev'],
    data: 'mode=1777,size=65536k',
    create: 'dir',
  },
  { op: 'mount', source: 'tmpfs', target: '/run', fstype: 'tmpfs', flags: ['nosuid', 'nodev'], data: 'mode=755', create: 'dir' },
  {
    op: 'mount',
    source: fileURLToPath(new URL('../../share/run-host', import.meta.url)),
    target: '/run/host',
    fstype: '',
    flags: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'],
    data: '',
    create: 'auto',
  },
  { op: 'mount', source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', flags: ['nosuid', 'nodev'], data: 'mode=1777', create: 'dir' },
];

/** A minimal hand-written spec for the cases buildSpec does not produce. */
function rawSpec(overrides: Partial<Spec> = {}): Spec {
  return {
    ociVersion: '1.2.0',
    root: { path: '/srv/root' },
    process: { user: { uid: 0, gid: 0 }, args: ['/bin/sh'], cwd: '/' },
    ...overrides,
  };
}

describe('compilePlan', () => {
  const temp = makeTempDir();
  const root = join(temp.path, 'tree');
  const hostDir = join(temp.path, 'shared');

  before(() => {
    writeTree(root, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' });
    mkdirSync(hostDir);
  });

  after(() => temp.remove());

  const spec = (options: Partial<ContainerOptions> = {}): Spec =>
    buildSpec({ directory: root, command: ['/bin/sh', '-c', 'echo hi'], ...options });

  it('compiles the default spec into the exact step list', () => {
    const s = spec();
    assert.deepEqual(compilePlan(s), [
      { op: 'namespaces', types: ['mount', 'pid', 'uts', 'ipc', 'net'] },
      { op: 'setsid' },
      { op: 'unshare', types: ['cgroup'] },
      { op: 'hostname', name: 'tree' },
      { op: 'loopback-up' },
      { op: 'propagation', mode: 'private' },
      { op: 'enter-root', path: root },
      ...DEFAULT_MOUNT_STEPS,
      ...DEFAULT_DEVICE_STEPS,
      { op: 'pivot-root' },
      { op: 'sysctl', key: 'net.ipv4.ping_group_range', value: '0 2147483647' },
      { op: 'mask', path: '/proc/acpi' },
      { op: 'mask', path: '/proc/asound' },
      { op: 'mask', path: '/proc/kcore' },
      { op: 'mask', path: '/proc/keys' },
      { op: 'mask', path: '/proc/latency_stats' },
      { op: 'mask', path: '/proc/timer_list' },
      { op: 'mask', path: '/proc/timer_stats' },
      { op: 'mask', path: '/proc/sched_debug' },
      { op: 'mask', path: '/proc/scsi' },
      { op: 'mask', path: '/sys/firmware' },
      { op: 'mask', path: '/sys/devices/virtual/powercap' },
      { op: 'readonly', path: '/proc/bus' },
      { op: 'readonly', path: '/proc/fs' },
      { op: 'readonly', path: '/proc/irq' },
      { op: 'readonly', path: '/proc/sys' },
      { op: 'readonly', path: '/proc/sysrq-trigger' },
      { op: 'chdir', path: '/' },
      { op: 'no-new-privileges' },
      { op: 'umask', mode: 0o022 },
      only(compilePlan(s), 'seccomp'),
      { op: 'env', vars: s.process?.env ?? assert.fail('no env') },
      { op: 'search-path', path: DEFAULT_PATH },
      {
        op: 'credentials',
        uid: 0,
        gid: 0,
        groups: [],
        bounding: RUN_MASK,
        effective: RUN_MASK,
        permitted: RUN_MASK,
        inheritable: '0x0',
        ambient: '0x0',
      },
      { op: 'exec', args: ['/bin/sh', '-c', 'echo hi'] },
    ]);
  });

  describe('supervisor steps', () => {
    it('come first, in the order namespaces, console, escape, forward-signal..., wait-go', () => {
      const plan = compilePlan(spec({ console: true }), {
        escape: 'kill',
        forwardSignals: [
          [15, 1],
          [2, 2],
        ],
        waitForHost: true,
      });
      assert.deepEqual(plan.slice(0, 6), [
        { op: 'namespaces', types: ['mount', 'pid', 'uts', 'ipc', 'net'] },
        { op: 'console' },
        { op: 'escape', mode: 'kill' },
        { op: 'forward-signal', from: 15, to: 1 },
        { op: 'forward-signal', from: 2, to: 2 },
        { op: 'wait-go' },
      ]);
      const supervisorOps = new Set(['namespaces', 'console', 'escape', 'forward-signal', 'wait-go']);
      assert.ok(plan.slice(6).every((step) => !supervisorOps.has(step.op)), ops(plan).join(' '));
    });

    it('have console and escape only with a terminal, the escape none by default', () => {
      const withConsole = compilePlan(spec({ console: true }));
      assert.deepEqual(withConsole.slice(0, 3), [
        { op: 'namespaces', types: ['mount', 'pid', 'uts', 'ipc', 'net'] },
        { op: 'console' },
        { op: 'escape', mode: 'none' },
      ]);
      const withoutConsole = compilePlan(spec({ console: false }), { escape: 'kill' });
      assert.deepEqual(stepsOf(withoutConsole, 'console'), []);
      assert.deepEqual(stepsOf(withoutConsole, 'escape'), []);
    });

    it('have wait-go only when waiting for the host', () => {
      assert.deepEqual(stepsOf(compilePlan(spec()), 'wait-go'), []);
      assert.deepEqual(stepsOf(compilePlan(spec(), { waitForHost: false }), 'wait-go'), []);
      const plan = compilePlan(spec(), { waitForHost: true });
      assert.deepEqual(ops(plan).slice(0, 3), ['namespaces', 'wait-go', 'setsid']);
    });

    it('never clone the cgroup namespace: init unshares it as its first namespace step', () => {
      const plan = compilePlan(spec());
      assert.ok(!only(plan, 'namespaces').types.includes('cgroup'));
      assert.deepEqual(only(plan, 'unshare'), { op: 'unshare', types: ['cgroup'] });
      assert.ok(indexOf(plan, (step) => step.op === 'unshare', 'unshare') < indexOf(plan, (step) => step.op === 'propagation', 'propagation'));
    });
  });

  describe('init steps', () => {
    it('start a new session only without a console', () => {
      assert.equal(stepsOf(compilePlan(spec()), 'setsid').length, 1);
      assert.equal(stepsOf(compilePlan(spec({ console: true })), 'setsid').length, 0);
    });

    it('with the host network: no net namespace, no loopback-up, no CAP_NET_ADMIN', () => {
      const plan = compilePlan(spec({ hostNetwork: true, boot: true, privateUsers: 'no' }));
      assert.deepEqual(only(plan, 'namespaces').types, ['mount', 'pid', 'uts', 'ipc']);
      assert.deepEqual(stepsOf(plan, 'loopback-up'), []);
      assert.equal(only(compilePlan(spec({ hostNetwork: true })), 'credentials').bounding, RUN_MASK);
      const credentials = only(plan, 'credentials');
      assert.equal(credentials.bounding, DEFAULT_MASK);
      assert.equal(credentials.effective, DEFAULT_MASK);
      assert.equal(credentials.permitted, DEFAULT_MASK);
    });

    it('give CAP_NET_ADMIN (bit 12) to boot only with a private network, to run never', () => {
      const bit12 = 1n << 12n;
      const bounding = (options: Partial<ContainerOptions>) => BigInt(only(compilePlan(spec(options)), 'credentials').bounding);
      assert.equal(bounding({ boot: true }) & bit12, bit12);
      assert.equal(bounding({ boot: true, hostNetwork: true }) & bit12, 0n);
      assert.equal(bounding({}) & bit12, 0n);
    });

    it('start a non-root user with no capabilities at all, bounding set included', () => {
      const credentials = only(compilePlan(spec({ user: 'user' })), 'credentials');
      assert.deepEqual(credentials, {
        op: 'credentials',
        uid: 1000,
        gid: 1000,
        groups: [],
        bounding: '0x0',
        effective: '0x0',
        permitted: '0x0',
        inheritable: '0x0',
        ambient: '0x0',
      });
    });

    it('run in the documented order', () => {
      const plan = compilePlan(spec({ console: true, binds: [{ source: hostDir, destination: '/mnt' }] }), {
        waitForHost: true,
      });
      const first = (op: Step['op']) => indexOf(plan, (step) => step.op === op, op);
      const last = (op: Step['op']) => lastIndexOf(plan, (step) => step.op === op, op);
      const order: Array<[string, number, number]> = [
        ['unshare', first('unshare'), last('unshare')],
        ['hostname', first('hostname'), last('hostname')],
        ['loopback-up', first('loopback-up'), last('loopback-up')],
        ['propagation', first('propagation'), last('propagation')],
        ['enter-root', first('enter-root'), last('enter-root')],
        ['mount', first('mount'), last('mount')],
        ['mknod', first('mknod'), last('mknod')],
        ['symlink', first('symlink'), last('symlink')],
        ['bind-console', first('bind-console'), last('bind-console')],
        ['pivot-root', first('pivot-root'), last('pivot-root')],
        ['mask', first('mask'), last('mask')],
        ['readonly', first('readonly'), last('readonly')],
        ['chdir', first('chdir'), last('chdir')],
        ['env', first('env'), last('env')],
        ['credentials', first('credentials'), last('credentials')],
        ['exec', first('exec'), last('exec')],
      ];
      for (let i = 1; i < order.length; i++) {
        const [previousOp, , previousLast] = order[i - 1] ?? assert.fail();
        const [op, opFirst] = order[i] ?? assert.fail();
        assert.ok(previousLast < opFirst, `${previousOp} must all come before ${op}: ${ops(plan).join(' ')}`);
      }
      assert.equal(plan.at(-1)?.op, 'exec');
      assert.equal(ops(plan).length, plan.length);
    });

    it('mount /proc, /sys, /dev, /dev/pts, /dev/shm, /run, /run/host, /tmp, then the binds (no cgroup tree without host hierarchies)', () => {
      const plan = compilePlan(spec({ binds: [{ source: hostDir }, { source: hostDir, destination: '/data', readOnly: true }] }));
      assert.deepEqual(
        stepsOf(plan, 'mount').map((step) => step.target),
        ['/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/run', '/run/host', '/tmp', hostDir, '/data'],
      );
      assert.deepEqual(stepsOf(plan, 'mount').slice(0, 8), DEFAULT_MOUNT_STEPS);
    });

    it('bind-mount host paths with fstype "", rbind and create auto; --bind-ro adds ro', () => {
      const mounts = stepsOf(compilePlan(spec({ binds: [{ source: hostDir }, { source: hostDir, destination: '/data', readOnly: true }] })), 'mount');
      assert.deepEqual(mounts.slice(8), [
        { op: 'mount', source: hostDir, target: hostDir, fstype: '', flags: ['rbind', 'nosuid', 'nodev'], data: '', create: 'auto' },
        { op: 'mount', source: hostDir, target: '/data', fstype: '', flags: ['rbind', 'nosuid', 'nodev', 'ro'], data: '', create: 'auto' },
      ]);
    });

    it('create the default device nodes with their major, minor and mode, then the /dev symlinks', () => {
      const plan = compilePlan(spec());
      const devices = plan.filter((step) => step.op === 'mknod' || step.op === 'symlink');
      assert.deepEqual(devices, DEFAULT_DEVICE_STEPS);
      const ptmx = stepsOf(plan, 'symlink').find((step) => step.path === '/dev/ptmx');
      assert.equal(ptmx?.target, 'pts/ptmx');
    });

    it('bind the console onto /dev/console only with a console, right before pivot-root', () => {
      assert.deepEqual(stepsOf(compilePlan(spec()), 'bind-console'), []);
      const plan = compilePlan(spec({ console: true }));
      const index = indexOf(plan, (step) => step.op === 'bind-console', 'bind-console');
      assert.deepEqual(plan[index], { op: 'bind-console', path: '/dev/console' });
      assert.equal(plan[index - 1]?.op, 'symlink');
      assert.equal(plan[index + 1]?.op, 'pivot-root');
    });

    it('mask /proc/kcore, /proc/keys and /proc/timer_list and make /proc/sys and friends read-only', () => {
      const plan = compilePlan(spec());
      const masked = stepsOf(plan, 'mask').map((step) => step.path);
      for (const path of ['/proc/kcore', '/proc/keys', '/proc/timer_list']) assert.ok(masked.includes(path), path);
      const readonly = stepsOf(plan, 'readonly').map((step) => step.path);
      for (const path of ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus']) assert.ok(readonly.includes(path), path);
      assert.ok(!readonly.includes('/'));
    });

    it('make / read-only, after the other read-only paths, when root.readonly is set', () => {
      const s = spec();
      s.root.readonly = true;
      const plan = compilePlan(s);
      const readonly = stepsOf(plan, 'readonly').map((step) => step.path);
      assert.equal(readonly.at(-1), '/');
      assert.equal(readonly.filter((path) => path === '/').length, 1);
      const index = indexOf(plan, (step) => step.op === 'readonly' && step.path === '/', 'readonly /');
      assert.equal(plan[index + 1]?.op, 'chdir');
    });

    it('use the spec environment, arguments and working directory', () => {
      const s = spec({ chdir: '/srv', env: ['A=1'] });
      const plan = compilePlan(s);
      assert.deepEqual(only(plan, 'chdir'), { op: 'chdir', path: '/srv' });
      assert.deepEqual(only(plan, 'env').vars, s.process?.env);
      assert.ok(only(plan, 'env').vars.includes('A=1'));
      assert.deepEqual(only(plan, 'exec').args, ['/bin/sh', '-c', 'echo hi']);
    });
  });

  describe('hand-written specs', () => {
    it('split mount options into flags and data, dropping no-op options', () => {
      const plan = compilePlan(
        rawSpec({
          linux: { namespaces: [{ type: 'mount' }] },
          mounts: [
            { destination: '/a', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'defaults', 'nosuid', 'mode=755', 'size=65536k', 'noatime', 'exec', 'uid=1000'] },
          ],
        }),
      );
      assert.deepEqual(only(plan, 'mount'), {
        op: 'mount',
        source: 'tmpfs',
        target: '/a',
        fstype: 'tmpfs',
        flags: ['nosuid', 'noatime'],
        data: 'mode=755,size=65536k,uid=1000',
        create: 'dir',
      });
    });

    it('treat a bind given only by options as a bind, and add bind to a type-bind mount without it', () => {
      const plan = compilePlan(
        rawSpec({
          linux: { namespaces: [{ type: 'mount' }] },
          mounts: [
            { destination: '/a', type: 'none', source: '/host/a', options: ['rbind', 'ro'] },
            { destination: '/b', type: 'bind', source: '/host/b', options: ['ro'] },
            { destination: '/c', type: 'bind', source: '/host/c' },
          ],
        }),
      );
      assert.deepEqual(stepsOf(plan, 'mount'), [
        { op: 'mount', source: '/host/a', target: '/a', fstype: '', flags: ['rbind', 'ro'], data: '', create: 'auto' },
        { op: 'mount', source: '/host/b', target: '/b', fstype: '', flags: ['ro', 'bind'], data: '', create: 'auto' },
        { op: 'mount', source: '/host/c', target: '/c', fstype: '', flags: ['bind'], data: '', create: 'auto' },
      ]);
    });

    it('default a missing source to the fs type, or none', () => {
      const plan = compilePlan(
        rawSpec({
          linux: { namespaces: [{ type: 'mount' }] },
          mounts: [{ destination: '/a', type: 'tmpfs' }, { destination: '/b' }],
        }),
      );
      assert.deepEqual(
        stepsOf(plan, 'mount').map((step) => [step.source, step.fstype]),
        [
          ['tmpfs', 'tmpfs'],
          ['none', ''],
        ],
      );
    });

    it('map rootfsPropagation to private, slave or shared', () => {
      const mode = (rootfsPropagation: NonNullable<Spec['linux']>['rootfsPropagation']) =>
        only(compilePlan(rawSpec({ linux: { namespaces: [{ type: 'mount' }], rootfsPropagation } })), 'propagation').mode;
      assert.equal(mode(undefined), 'private');
      assert.equal(mode('private'), 'private');
      assert.equal(mode('rprivate'), 'private');
      assert.equal(mode('slave'), 'slave');
      assert.equal(mode('rslave'), 'slave');
      assert.equal(mode('shared'), 'shared');
      assert.equal(mode('rshared'), 'shared');
    });

    it('skip the file-system steps without a mount namespace', () => {
      const plan = compilePlan(rawSpec({ linux: { namespaces: [{ type: 'pid' }] }, mounts: [{ destination: '/proc', type: 'proc' }] }));
      assert.deepEqual(ops(plan), ['namespaces', 'setsid', 'chdir', 'umask', 'env', 'search-path', 'credentials', 'exec']);
      assert.deepEqual(only(plan, 'namespaces').types, ['pid']);
    });

    it('join namespaces given by path (join-ns, right after setsid) and set up nothing that belongs to them', () => {
      const plan = compilePlan(
        rawSpec({
          hostname: 'box',
          linux: {
            namespaces: [
              { type: 'mount' },
              { type: 'network', path: '/run/netns/a' },
              { type: 'uts', path: '/proc/1/ns/uts' },
              { type: 'cgroup', path: '/proc/1/ns/cgroup' },
              { type: 'pid', path: '/proc/1/ns/pid' },
            ],
          },
        }),
      );
      assert.deepEqual(only(plan, 'namespaces').types, ['mount']);
      assert.deepEqual(ops(plan).slice(0, 6), ['namespaces', 'setsid', 'join-ns', 'join-ns', 'join-ns', 'join-ns']);
      assert.deepEqual(stepsOf(plan, 'join-ns'), [
        { op: 'join-ns', type: 'net', path: '/run/netns/a' },
        { op: 'join-ns', type: 'uts', path: '/proc/1/ns/uts' },
        { op: 'join-ns', type: 'cgroup', path: '/proc/1/ns/cgroup' },
        { op: 'join-ns', type: 'pid', path: '/proc/1/ns/pid' },
      ]);
      assert.deepEqual(stepsOf(plan, 'loopback-up'), []);
      assert.deepEqual(stepsOf(plan, 'hostname'), []);
      assert.deepEqual(stepsOf(plan, 'unshare'), []);
    });

    it('set rlimits and the umask (0022 by default) before credentials, sysctls right after pivot-root', () => {
      const plan = compilePlan(
        rawSpec({
          process: {
            user: { uid: 0, gid: 0, umask: 0o077 },
            args: ['/x'],
            cwd: '/',
            rlimits: [
              { type: 'RLIMIT_NOFILE', soft: 64, hard: 128 },
              { type: 'RLIMIT_CORE', soft: 0, hard: 18446744073709551615 },
            ],
          },
          linux: { namespaces: [{ type: 'mount' }, { type: 'ipc' }], sysctl: { 'kernel.shmmax': '4096' }, readonlyPaths: ['/proc/sys'] },
        }),
      );
      assert.deepEqual(stepsOf(plan, 'rlimit'), [
        { op: 'rlimit', type: 'RLIMIT_NOFILE', soft: 64, hard: 128 },
        { op: 'rlimit', type: 'RLIMIT_CORE', soft: 0, hard: 'infinity' },
      ]);
      assert.deepEqual(ops(plan).slice(-8), ['chdir', 'rlimit', 'rlimit', 'umask', 'env', 'search-path', 'credentials', 'exec']);
      assert.deepEqual(only(plan, 'umask'), { op: 'umask', mode: 0o077 });
      const pivot = ops(plan).indexOf('pivot-root');
      assert.deepEqual(plan[pivot + 1], { op: 'sysctl', key: 'kernel.shmmax', value: '4096' });
      assert.equal(plan[pivot + 2]?.op, 'readonly');
      assert.deepEqual(only(compilePlan(rawSpec()), 'umask'), { op: 'umask', mode: 0o022 });
    });

    it('set no hostname when the spec has none', () => {
      const plan = compilePlan(rawSpec({ linux: { namespaces: [{ type: 'uts' }] } }));
      assert.deepEqual(stepsOf(plan, 'hostname'), []);
    });

    it('populate /dev only on a fresh (non-bind) /dev, merging spec devices over the defaults', () => {
      const mounts = [{ destination: '/dev', type: 'tmpfs', source: 'tmpfs' }];
      const plan = compilePlan(
        rawSpec({
          mounts,
          linux: {
            namespaces: [{ type: 'mount' }],
            devices: [
              { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600, uid: 7, gid: 8 },
              { type: 'b', path: '/dev/loop0', major: 7, minor: 0 },
              { type: 'p', path: '/dev/fifo' },
            ],
          },
        }),
      );
      const nodes = stepsOf(plan, 'mknod');
      assert.deepEqual(
        nodes.map((step) => step.path),
        ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/loop0'],
      );
      assert.deepEqual(nodes[0], { op: 'mknod', path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o600, uid: 7, gid: 8 });
      assert.deepEqual(nodes[6], { op: 'mknod', path: '/dev/loop0', type: 'b', major: 7, minor: 0, mode: 0o666, uid: 0, gid: 0 });

      const bound = compilePlan(
        rawSpec({ mounts: [{ destination: '/dev', type: 'bind', source: '/dev' }], linux: { namespaces: [{ type: 'mount' }] } }),
      );
      assert.deepEqual(stepsOf(bound, 'mknod'), []);
      assert.deepEqual(stepsOf(bound, 'symlink'), []);
    });

    it('add no-new-privileges between chdir and credentials, and supplementary groups', () => {
      const plan = compilePlan(
        rawSpec({ process: { user: { uid: 5, gid: 6, additionalGids: [7, 8] }, args: ['/x'], cwd: '/', noNewPrivileges: true } }),
      );
      assert.deepEqual(ops(plan), ['namespaces', 'setsid', 'chdir', 'no-new-privileges', 'umask', 'env', 'search-path', 'credentials', 'exec']);
      assert.deepEqual(only(plan, 'credentials').groups, [7, 8]);
      assert.deepEqual(only(plan, 'env').vars, []);
      assert.equal(only(plan, 'credentials').bounding, '0x0');
    });

    it('encode high capability bits beyond 32 bits', () => {
      const plan = compilePlan(
        rawSpec({
          process: {
            user: { uid: 0, gid: 0 },
            args: ['/x'],
            cwd: '/',
            capabilities: { bounding: ['CAP_CHOWN', 'CAP_CHECKPOINT_RESTORE'], permitted: ['CAP_SYSLOG'], inheritable: ['CAP_SYSLOG'], ambient: ['CAP_SYSLOG'] },
          },
        }),
      );
      assert.equal(only(plan, 'credentials').bounding, '0x10000000001');
      assert.equal(only(plan, 'credentials').ambient, '0x400000000');
    });

    it('leave out ambient capabilities that are not permitted and inheritable too (runc spec asks for some), as runc and crun do', () => {
      const caps = ['CAP_KILL', 'CAP_CHOWN'] as const;
      const plan = compilePlan(
        rawSpec({
          process: {
            user: { uid: 0, gid: 0 },
            args: ['/x'],
            cwd: '/',
            // KILL: permitted and inheritable; CHOWN: permitted only; NET_RAW: neither.
            capabilities: { bounding: [...caps], permitted: [...caps], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_RAW'] },
          },
        }),
      );
      assert.equal(only(plan, 'credentials').ambient, '0x20');
    });

    it('reject a spec without a process', () => {
      assert.throws(() => compilePlan({ ociVersion: '1.2.0', root: { path: '/' } }), /the spec has no process to run/);
    });

    it('reject an unknown capability name', () => {
      const s = rawSpec({ process: { user: { uid: 0, gid: 0 }, args: ['/x'], cwd: '/', capabilities: { bounding: ['CAP_BOGUS'] } } });
      assert.throws(() => compilePlan(s), (error: unknown) =>
        error instanceof ContainerError && error.code === 'invalid-spec' && /unknown capability "CAP_BOGUS"/.test(error.message));
    });
  });
});

describe('compilePlan: what engines ask for', () => {
  it('turns a tmpfs with tmpcopyup into mount-copy-up, the option not passed to the file system', () => {
    const plan = compilePlan(rawSpec({
      linux: { namespaces: [{ type: 'mount' }] },
      mounts: [
        { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup', 'size=1m'] },
        { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['notmpcopyup', 'nosuid'] },
      ],
    }));
    assert.deepEqual(stepsOf(plan, 'mount-copy-up'), [
      { op: 'mount-copy-up', source: 'tmpfs', target: '/run', fstype: 'tmpfs', flags: ['rprivate', 'nosuid', 'nodev'], data: 'size=1m', create: 'dir' },
    ]);
    assert.deepEqual(stepsOf(plan, 'mount'), [{ op: 'mount', source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', flags: ['nosuid'], data: '', create: 'dir' }]);
  });

  it('sizes the terminal from process.consoleSize, and only with a terminal', () => {
    const withTerminal = compilePlan(rawSpec({ process: { user: { uid: 0, gid: 0 }, args: ['/bin/sh'], cwd: '/', terminal: true, consoleSize: { height: 30, width: 100 } } }));
    assert.deepEqual(only(withTerminal, 'console-size'), { op: 'console-size', rows: 30, cols: 100 });
    const without = compilePlan(rawSpec({ process: { user: { uid: 0, gid: 0 }, args: ['/bin/sh'], cwd: '/', consoleSize: { height: 30, width: 100 } } }));
    assert.deepEqual(stepsOf(without, 'console-size'), []);
  });
});
