/**
 * compile.ts features of the lifecycle work: monitor (detached) supervision,
 * the host's cgroup tree in the container, and compileExecPlan.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import type { Hierarchy } from '../../src/cgroups/hierarchies.js';
import { compileExecPlan, compilePlan, type MonitorOptions, type SupervisionOptions } from '../../src/plan/compile.js';
import type { Plan, Step } from '../../src/plan/steps.js';
import { encodePlan } from '../../src/plan/encode.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { ContainerOptions } from '../../src/oci/container-options.js';
import type { Process, Spec } from '../../src/oci/types.js';
import { makeTempDir, writeTree } from './helpers/index.js';

type StepOf<Op extends Step['op']> = Extract<Step, { op: Op }>;

const ops = (plan: Plan): string[] => plan.map((step) => step.op);

function stepsOf<Op extends Step['op']>(plan: Plan, op: Op): StepOf<Op>[] {
  return plan.filter((step): step is StepOf<Op> => step.op === op);
}

const MONITOR: MonitorOptions = {
  logPath: '/run/ts-nspawn/box/console.log',
  logMaxBytes: 1048576,
  attachSocket: '/run/ts-nspawn/box/attach.sock',
};

/** The exit file and exit command, given apart from the monitor (a foreground run has them too). */
const EXIT: Pick<SupervisionOptions, 'exitFile' | 'exitCommand'> = {
  exitFile: '/run/ts-nspawn/box/exit',
  exitCommand: ['/opt/ts-nspawn/bin/ts-nspawn', 'cleanup', 'box'],
};

const MONITOR_STEPS_WITHOUT_ATTACH: Step[] = [
  { op: 'detach' },
  { op: 'log', path: '/run/ts-nspawn/box/console.log', maxBytes: 1048576 },
  { op: 'exit-file', path: '/run/ts-nspawn/box/exit' },
  { op: 'exit-command', args: ['/opt/ts-nspawn/bin/ts-nspawn', 'cleanup', 'box'] },
];

const SUPERVISOR_OPS = new Set(['namespaces', 'console', 'escape', 'forward-signal', 'wait-go', 'detach', 'log', 'attach-socket', 'exit-file', 'exit-command', 'join-pidns']);

const HYBRID: Hierarchy[] = [
  { version: 1, mountPoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'], ownDirectory: '/sys/fs/cgroup/cpu,cpuacct/a' },
  { version: 1, mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'], ownDirectory: '/sys/fs/cgroup/memory/process_api/abc' },
  { version: 1, mountPoint: '/sys/fs/cgroup/systemd', controllers: ['name=systemd'], ownDirectory: '/sys/fs/cgroup/systemd/a' },
  { version: 2, mountPoint: '/sys/fs/cgroup/unified', controllers: [], ownDirectory: '/sys/fs/cgroup/unified/a' },
];
const UNIFIED: Hierarchy[] = [{ version: 2, mountPoint: '/sys/fs/cgroup', controllers: [], ownDirectory: '/sys/fs/cgroup/user.slice/x.scope' }];

const FS_FLAGS = ['nosuid', 'nodev', 'noexec'];

/** A minimal hand-written spec. */
function rawSpec(overrides: Partial<Spec> = {}): Spec {
  return {
    ociVersion: '1.2.0',
    root: { path: '/srv/root' },
    process: { user: { uid: 0, gid: 0 }, args: ['/sbin/init'], cwd: '/' },
    ...overrides,
  };
}

const EXEC_PROCESS: Process = {
  terminal: false,
  user: { uid: 1000, gid: 100, additionalGids: [27] },
  args: ['/bin/ps', 'aux'],
  env: ['PATH=/usr/bin:/bin', 'HOME=/home/user'],
  cwd: '/home/user',
};

const EXEC_PROCESS_STEPS: Step[] = [
  { op: 'chdir', path: '/home/user' },
  { op: 'umask', mode: 0o022 },
  { op: 'env', vars: ['PATH=/usr/bin:/bin', 'HOME=/home/user'] },
  { op: 'search-path', path: '/usr/bin:/bin' },
  { op: 'credentials', uid: 1000, gid: 100, groups: [27], bounding: '0x0', effective: '0x0', permitted: '0x0', inheritable: '0x0', ambient: '0x0' },
  { op: 'exec', args: ['/bin/ps', 'aux'] },
];

describe('compilePlan with a monitor', () => {
  const temp = makeTempDir();
  const root = join(temp.path, 'box');
  before(() => writeTree(root, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' }));
  after(() => temp.remove());

  const spec = (options: Partial<ContainerOptions> = {}): Spec => buildSpec({ directory: root, command: ['/bin/sh'], ...options });

  it('with a terminal: console, escape, forward-signal, detach, log, attach-socket, exit-file, exit-command, wait-go', () => {
    const plan = compilePlan(spec({ console: true }), { escape: 'kill', forwardSignals: [[15, 1]], waitForHost: true, monitor: MONITOR, ...EXIT });
    assert.deepEqual(plan.slice(0, 11), [
      { op: 'namespaces', types: ['mount', 'pid', 'uts', 'ipc', 'net'] },
      { op: 'console' },
      { op: 'escape', mode: 'kill' },
      { op: 'forward-signal', from: 15, to: 1 },
      { op: 'detach' },
      { op: 'log', path: '/run/ts-nspawn/box/console.log', maxBytes: 1048576 },
      { op: 'attach-socket', path: '/run/ts-nspawn/box/attach.sock' },
      { op: 'exit-file', path: '/run/ts-nspawn/box/exit' },
      { op: 'exit-command', args: ['/opt/ts-nspawn/bin/ts-nspawn', 'cleanup', 'box'] },
      { op: 'wait-go' },
      // A console: no setsid; init steps begin.
      { op: 'unshare', types: ['cgroup'] },
    ]);
    assert.ok(plan.slice(10).every((step) => !SUPERVISOR_OPS.has(step.op)), ops(plan).join(' '));
  });

  it('without a terminal: no attach-socket, and setsid right after wait-go', () => {
    const plan = compilePlan(spec({ console: false }), { escape: 'kill', waitForHost: true, monitor: MONITOR, ...EXIT });
    assert.deepEqual(plan.slice(0, 7), [
      { op: 'namespaces', types: ['mount', 'pid', 'uts', 'ipc', 'net'] },
      ...MONITOR_STEPS_WITHOUT_ATTACH,
      { op: 'wait-go' },
      { op: 'setsid' },
    ]);
    assert.deepEqual(stepsOf(plan, 'attach-socket'), []);
    assert.deepEqual(stepsOf(plan, 'console'), []);
  });

  it('without waiting for the host: the monitor steps end the supervisor steps', () => {
    const plan = compilePlan(spec(), { monitor: MONITOR, ...EXIT });
    assert.deepEqual(ops(plan).slice(0, 6), ['namespaces', 'detach', 'log', 'exit-file', 'exit-command', 'setsid']);
  });

  it('moves init into its v1 cgroups as its first steps, before setsid and the cgroup namespace', () => {
    const tasks = ['/sys/fs/cgroup/pids/ts-nspawn/box/tasks', '/sys/fs/cgroup/memory/ts-nspawn/box/tasks'];
    const plan = compilePlan(spec(), { cloneIntoCgroup: '/sys/fs/cgroup/unified/ts-nspawn/box', joinCgroups: tasks });
    assert.deepEqual(ops(plan).slice(0, 5), ['namespaces', 'clone-into-cgroup', 'join-cgroup', 'join-cgroup', 'setsid']);
    assert.deepEqual(stepsOf(plan, 'join-cgroup').map((step) => step.path), tasks);
    assert.ok(ops(plan).indexOf('unshare') > ops(plan).lastIndexOf('join-cgroup'));
  });

  it('has only detach and log (no exit file, no exit command) with a monitor alone', () => {
    const plan = compilePlan(spec(), { monitor: MONITOR });
    assert.deepEqual(ops(plan).slice(0, 4), ['namespaces', 'detach', 'log', 'setsid']);
  });

  it('has exit-file and exit-command in the foreground too, without detach or log', () => {
    const plan = compilePlan(spec({ console: true }), { waitForHost: true, ...EXIT });
    assert.deepEqual(plan.slice(0, 6), [
      { op: 'namespaces', types: ['mount', 'pid', 'uts', 'ipc', 'net'] },
      { op: 'console' },
      { op: 'escape', mode: 'none' },
      ...MONITOR_STEPS_WITHOUT_ATTACH.slice(2),
      { op: 'wait-go' },
    ]);
    for (const op of ['detach', 'log', 'attach-socket'] as const) assert.deepEqual(stepsOf(plan, op), [], op);
  });

  it('has no monitor or exit steps without those options', () => {
    const plan = compilePlan(spec({ console: true }), { waitForHost: true });
    for (const op of ['detach', 'log', 'attach-socket', 'exit-file', 'exit-command'] as const) {
      assert.deepEqual(stepsOf(plan, op), [], op);
    }
  });

  it('passes a zero log size (never rotate) through unchanged', () => {
    const plan = compilePlan(spec(), { monitor: { ...MONITOR, logMaxBytes: 0 } });
    assert.deepEqual(stepsOf(plan, 'log'), [{ op: 'log', path: MONITOR.logPath, maxBytes: 0 }]);
  });
});

describe('compilePlan with host cgroup hierarchies', () => {
  const temp = makeTempDir();
  const root = join(temp.path, 'box');
  before(() => writeTree(root, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' }));
  after(() => temp.remove());

  const spec = (options: Partial<ContainerOptions> = {}): Spec => buildSpec({ directory: root, command: ['/bin/sh'], ...options });

  /** The steps after the /sys mount up to (not including) the /dev mount. */
  function between(plan: Plan): Step[] {
    const sys = plan.findIndex((step) => step.op === 'mount' && step.target === '/sys');
    const dev = plan.findIndex((step) => step.op === 'mount' && step.target === '/dev');
    assert.ok(sys >= 0 && dev > sys, ops(plan).join(' '));
    return plan.slice(sys + 1, dev);
  }

  it('puts a hybrid tree right after /sys and before /dev: tmpfs, controllers ro, systemd writable (boot), unified, symlinks', () => {
    assert.deepEqual(between(compilePlan(spec({ boot: true }), {}, { hierarchies: HYBRID })), [
      { op: 'mount', source: 'tmpfs', target: '/sys/fs/cgroup', fstype: 'tmpfs', flags: FS_FLAGS, data: 'mode=755,size=1024k', create: 'dir' },
      { op: 'mount', source: 'cgroup', target: '/sys/fs/cgroup/cpu,cpuacct', fstype: 'cgroup', flags: [...FS_FLAGS, 'ro'], data: 'cpu,cpuacct', create: 'dir' },
      { op: 'mount', source: 'cgroup', target: '/sys/fs/cgroup/memory', fstype: 'cgroup', flags: [...FS_FLAGS, 'ro'], data: 'memory', create: 'dir' },
      { op: 'mount', source: 'cgroup', target: '/sys/fs/cgroup/systemd', fstype: 'cgroup', flags: FS_FLAGS, data: 'name=systemd', create: 'dir' },
      { op: 'mount', source: 'cgroup2', target: '/sys/fs/cgroup/unified', fstype: 'cgroup2', flags: FS_FLAGS, data: '', create: 'dir' },
      { op: 'symlink', target: 'cpu,cpuacct', path: '/sys/fs/cgroup/cpu' },
      { op: 'symlink', target: 'cpu,cpuacct', path: '/sys/fs/cgroup/cpuacct' },
    ]);
  });

  it('makes the whole hybrid tree read-only for a single command (not boot)', () => {
    const mounts = stepsOf(between(compilePlan(spec(), {}, { hierarchies: HYBRID })), 'mount');
    assert.deepEqual(
      mounts.map((m) => [m.target, m.flags.includes('ro')]),
      [
        ['/sys/fs/cgroup', false],
        ['/sys/fs/cgroup/cpu,cpuacct', true],
        ['/sys/fs/cgroup/memory', true],
        ['/sys/fs/cgroup/systemd', true],
        ['/sys/fs/cgroup/unified', true],
      ],
    );
  });

  it('mounts a single cgroup2 on a unified host, read-only unless booting', () => {
    assert.deepEqual(between(compilePlan(spec(), {}, { hierarchies: UNIFIED })), [
      { op: 'mount', source: 'cgroup2', target: '/sys/fs/cgroup', fstype: 'cgroup2', flags: [...FS_FLAGS, 'ro'], data: '', create: 'dir' },
    ]);
    assert.deepEqual(between(compilePlan(spec({ boot: true }), {}, { hierarchies: UNIFIED })), [
      { op: 'mount', source: 'cgroup2', target: '/sys/fs/cgroup', fstype: 'cgroup2', flags: FS_FLAGS, data: '', create: 'dir' },
    ]);
  });

  it('makes the tmpfs of a read-only v1 tree read-only after pivot-root; a read-only cgroup2 needs nothing more', () => {
    const readonly = (plan: Plan) => stepsOf(plan, 'readonly').map((step) => step.path);
    assert.ok(readonly(compilePlan(spec(), {}, { hierarchies: HYBRID })).includes('/sys/fs/cgroup'));
    assert.ok(!readonly(compilePlan(spec({ boot: true }), {}, { hierarchies: HYBRID })).includes('/sys/fs/cgroup'));
    assert.ok(!readonly(compilePlan(spec(), {}, { hierarchies: UNIFIED })).includes('/sys/fs/cgroup'));
  });

  it('mounts nothing for the cgroup mount without host facts or with no hierarchies', () => {
    assert.deepEqual(between(compilePlan(spec())), []);
    assert.deepEqual(between(compilePlan(spec(), {}, { hierarchies: [] })), []);
  });
});

describe('compileExecPlan', () => {
  const namespaces = (...types: NonNullable<NonNullable<Spec['linux']>['namespaces']>[number]['type'][]) => ({
    linux: { namespaces: types.map((type) => ({ type })) },
  });

  it('joins the PID namespace before the clone and the other created namespaces after it; no file-system steps', () => {
    const spec = rawSpec({ hostname: 'box', mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }], ...namespaces('mount', 'pid', 'uts', 'ipc', 'network', 'cgroup') });
    assert.deepEqual(compileExecPlan(spec, 4242, EXEC_PROCESS, { waitForHost: true }), [
      { op: 'namespaces', types: [] },
      { op: 'join-pidns', pid: 4242 },
      { op: 'wait-go' },
      { op: 'setsid' },
      { op: 'join', pid: 4242, types: ['mount', 'uts', 'ipc', 'net', 'cgroup'] },
      ...EXEC_PROCESS_STEPS,
    ]);
  });

  it('with a terminal: console and escape after join-pidns, then wait-go, and no setsid', () => {
    const spec = rawSpec(namespaces('mount', 'pid', 'uts', 'ipc', 'network', 'cgroup'));
    const plan = compileExecPlan(spec, 77, { ...EXEC_PROCESS, terminal: true }, { escape: 'kill', waitForHost: true });
    assert.deepEqual(plan.slice(0, 6), [
      { op: 'namespaces', types: [] },
      { op: 'join-pidns', pid: 77 },
      { op: 'console' },
      { op: 'escape', mode: 'kill' },
      { op: 'wait-go' },
      { op: 'join', pid: 77, types: ['mount', 'uts', 'ipc', 'net', 'cgroup'] },
    ]);
    assert.deepEqual(stepsOf(plan, 'setsid'), []);
  });

  it('moves the process into the container\'s v1 cgroups before it joins anything', () => {
    const plan = compileExecPlan(rawSpec(namespaces('pid', 'mount')), 5, EXEC_PROCESS, { joinCgroups: ['/sys/fs/cgroup/pids/ts-nspawn/box/tasks'] });
    assert.deepEqual(ops(plan).slice(0, 5), ['namespaces', 'join-pidns', 'join-cgroup', 'setsid', 'join']);
  });

  it('keeps forwarded signals among the supervisor steps', () => {
    const plan = compileExecPlan(rawSpec(namespaces('pid', 'mount')), 5, EXEC_PROCESS, { forwardSignals: [[2, 2]], waitForHost: true });
    assert.deepEqual(ops(plan).slice(0, 6), ['namespaces', 'join-pidns', 'forward-signal', 'wait-go', 'setsid', 'join']);
  });

  it('joins no PID namespace when the spec has none', () => {
    const plan = compileExecPlan(rawSpec(namespaces('mount', 'uts')), 9, EXEC_PROCESS);
    assert.deepEqual(plan, [
      { op: 'namespaces', types: [] },
      { op: 'setsid' },
      { op: 'join', pid: 9, types: ['mount', 'uts'] },
      ...EXEC_PROCESS_STEPS,
    ]);
  });

  it('joins the user namespace too, keeping the spec order', () => {
    const plan = compileExecPlan(rawSpec(namespaces('user', 'mount', 'pid', 'network')), 12, EXEC_PROCESS);
    assert.deepEqual(stepsOf(plan, 'join'), [{ op: 'join', pid: 12, types: ['user', 'mount', 'net'] }]);
  });

  it('joins the namespaces of a buildSpec spec in its order (cgroup before net)', () => {
    const temp = makeTempDir();
    try {
      writeTree(temp.path, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' });
      const plan = compileExecPlan(buildSpec({ directory: temp.path, command: ['/bin/sh'] }), 100, EXEC_PROCESS);
      assert.deepEqual(stepsOf(plan, 'join'), [{ op: 'join', pid: 100, types: ['mount', 'uts', 'ipc', 'cgroup', 'net'] }]);
      assert.deepEqual(stepsOf(plan, 'join-pidns'), [{ op: 'join-pidns', pid: 100 }]);
    } finally {
      temp.remove();
    }
  });

  it('has no join step when there is no namespace to join, and joins a time namespace', () => {
    assert.deepEqual(compileExecPlan(rawSpec(), 3, EXEC_PROCESS), [{ op: 'namespaces', types: [] }, { op: 'setsid' }, ...EXEC_PROCESS_STEPS]);
    assert.deepEqual(compileExecPlan(rawSpec(namespaces('time')), 3, EXEC_PROCESS)[2], { op: 'join', pid: 3, types: ['time'] });
  });

  it('runs the given process, not the spec\'s, and sets no hostname, mounts, pivot-root, masks or read-only paths', () => {
    const spec = rawSpec({
      hostname: 'box',
      root: { path: '/srv/root', readonly: true },
      mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
      ...namespaces('mount', 'pid', 'uts', 'network'),
    });
    spec.linux = { ...spec.linux, maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'] };
    const plan = compileExecPlan(spec, 1, { ...EXEC_PROCESS, noNewPrivileges: true });
    const forbidden = ['mount', 'pivot-root', 'enter-root', 'propagation', 'hostname', 'loopback-up', 'unshare', 'mask', 'readonly', 'mknod', 'symlink', 'bind-console'];
    for (const op of forbidden) assert.ok(!ops(plan).includes(op), `${op} in ${ops(plan).join(' ')}`);
    assert.deepEqual(ops(plan).slice(-7), ['chdir', 'no-new-privileges', 'umask', 'env', 'search-path', 'credentials', 'exec']);
    assert.deepEqual(stepsOf(plan, 'exec'), [{ op: 'exec', args: ['/bin/ps', 'aux'] }]);
  });

  it('adds monitor steps when supervised as a monitor', () => {
    const plan = compileExecPlan(rawSpec(namespaces('pid', 'mount')), 8, EXEC_PROCESS, { monitor: MONITOR, ...EXIT, waitForHost: true });
    assert.deepEqual(plan.slice(0, 8), [
      { op: 'namespaces', types: [] },
      { op: 'join-pidns', pid: 8 },
      ...MONITOR_STEPS_WITHOUT_ATTACH,
      { op: 'wait-go' },
      { op: 'setsid' },
    ]);
  });

  it(
    'also joins namespaces the container itself joined by path (its init is in them)',
    () => {
      const spec = rawSpec({ linux: { namespaces: [{ type: 'mount' }, { type: 'pid', path: '/proc/1/ns/pid' }, { type: 'network', path: '/var/run/netns/blue' }] } });
      const plan = compileExecPlan(spec, 50, EXEC_PROCESS);
      assert.deepEqual(stepsOf(plan, 'join-pidns'), [{ op: 'join-pidns', pid: 50 }]);
      assert.deepEqual(stepsOf(plan, 'join'), [{ op: 'join', pid: 50, types: ['mount', 'net'] }]);
    },
  );
});

describe('clone-into-cgroup', () => {
  it('is a supervisor step before wait-go, encoded with its directory', () => {
    const spec = rawSpec({ linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] } });
    const plan = compilePlan(spec, { cloneIntoCgroup: '/sys/fs/cgroup/ts-nspawn/x', waitForHost: true });
    const ops = plan.map((step) => step.op);
    assert.ok(ops.indexOf('clone-into-cgroup') < ops.indexOf('wait-go'));
    assert.ok(ops.indexOf('clone-into-cgroup') < ops.indexOf('propagation'));
    assert.equal(encodePlan([{ op: 'clone-into-cgroup', path: '/sys/fs/cgroup/a b' }]).toString(), 'TSNPLAN/1\0clone-into-cgroup\0/sys/fs/cgroup/a b\0end\0');
    assert.ok(!compilePlan(spec).some((step) => step.op === 'clone-into-cgroup'));
  });
});

describe('descriptors for the engine (preserve-fds, pidfd-socket)', () => {
  const spec = () => rawSpec({ linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] } });

  it('are supervisor steps of the container\'s plan and of an exec\'s, before any init step, only when asked for', () => {
    for (const plan of [
      compilePlan(spec(), { preserveFds: 2, pidfdSocket: '/run/engine/pidfd.sock', handOff: {} }),
      compileExecPlan(spec(), 7, EXEC_PROCESS, { preserveFds: 2, pidfdSocket: '/run/engine/pidfd.sock', handOff: {} }),
    ]) {
      assert.deepEqual(stepsOf(plan, 'preserve-fds'), [{ op: 'preserve-fds', count: 2 }]);
      assert.deepEqual(stepsOf(plan, 'pidfd-socket'), [{ op: 'pidfd-socket', path: '/run/engine/pidfd.sock' }]);
      assert.ok(ops(plan).indexOf('pidfd-socket') < ops(plan).indexOf('setsid'));
    }
    for (const plan of [compilePlan(spec(), { preserveFds: 0 }), compileExecPlan(spec(), 7, EXEC_PROCESS)]) {
      assert.deepEqual([...stepsOf(plan, 'preserve-fds'), ...stepsOf(plan, 'pidfd-socket')], []);
    }
  });

  it('are encoded as the executor reads them', () => {
    assert.equal(encodePlan([{ op: 'preserve-fds', count: 3 }, { op: 'pidfd-socket', path: '/run/a b.sock' }]).toString(), 'TSNPLAN/1\0preserve-fds\x003\0pidfd-socket\0/run/a b.sock\0end\0');
    assert.throws(() => encodePlan([{ op: 'preserve-fds', count: 1.5 }]), /cannot encode step 0 \(preserve-fds\)/);
  });
});
