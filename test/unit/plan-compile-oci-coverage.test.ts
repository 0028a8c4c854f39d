/**
 * The config.json fields carried out since the coverage work: hooks (their
 * hook points and hook plans), domainname, the per-process attributes,
 * personality, the time namespace, execCPUAffinity for exec, the blockIO
 * throttles and hugepage limits; and how validateSpec judges them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { v1ThrottleWrites, v2ThrottleWrites } from '../../src/cgroups/throttles.js';
import { existsSync } from 'node:fs';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { Spec } from '../../src/oci/types.js';
import { InvalidSpecError, validateSpec } from '../../src/oci/validate.js';
import { compileExecPlan, compileHookPlan, compilePlan } from '../../src/plan/compile.js';
import { encodePlan } from '../../src/plan/encode.js';
import { parseCpuList } from '../../src/plan/process-attributes.js';
import type { Plan, Step } from '../../src/plan/steps.js';

const ops = (plan: Plan): string[] => plan.map((step) => step.op);
const spec = (change: (spec: Spec) => void = () => {}): Spec => {
  const base = buildSpec({ directory: '/srv/box', command: ['/bin/sh'], user: '0:0' });
  change(base);
  return base;
};
const hook = { path: '/usr/bin/hook', args: ['hook', 'x'] };

function problemsOf(input: Spec): string[] {
  try {
    validateSpec(input);
    return [];
  } catch (error) {
    assert.ok(error instanceof InvalidSpecError, String(error));
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
}

describe('compilePlan: hook points', () => {
  it('holds init before pivot_root for prestart, createRuntime and createContainer hooks only', () => {
    assert.ok(!ops(compilePlan(spec())).includes('wait-hooks'));
    for (const name of ['prestart', 'createRuntime', 'createContainer'] as const) {
      const plan = ops(compilePlan(spec((s) => (s.hooks = { [name]: [hook] }))));
      assert.equal(plan[plan.indexOf('pivot-root') - 1], 'wait-hooks', name);
      assert.equal(plan.filter((op) => op === 'wait-hooks').length, 1);
    }
    const plan = compilePlan(spec((s) => (s.hooks = { poststart: [hook], poststop: [hook] })));
    assert.ok(!ops(plan).includes('wait-hooks'), 'poststart and poststop need no hook point');
  });

  it('holds init just before its credentials for startContainer, unless a start barrier does', () => {
    const withHooks = spec((s) => (s.hooks = { startContainer: [hook] }));
    const plan = compilePlan(withHooks);
    const point = plan.findIndex((step) => step.op === 'wait-hooks');
    assert.deepEqual(plan[point], { op: 'wait-hooks', name: 'start' });
    assert.equal(plan[point + 1]!.op, 'credentials');
    const created = compilePlan(withHooks, { startBarrier: '/run/x/start' });
    assert.ok(!ops(created).includes('wait-hooks'));
    assert.equal(ops(created)[ops(created).indexOf('credentials') - 1], 'wait-start');
  });
});

describe('compileHookPlan', () => {
  const box = spec();

  it('runs a runtime hook in no new namespace: path executed, args[0] its name, env as given', () => {
    assert.deepEqual(compileHookPlan({ ...hook, env: ['A=1'] }, { kind: 'runtime' }, ['PATH=/bin']), [
      { op: 'namespaces', types: [] },
      { op: 'setsid' },
      { op: 'env', vars: ['A=1'] },
      { op: 'search-path', path: '' },
      { op: 'exec-path', path: '/usr/bin/hook' },
      { op: 'exec', args: ['hook', 'x'] },
    ]);
    // Without env: the runtime's; without args: the path as its name.
    const bare = compileHookPlan({ path: '/h' }, { kind: 'runtime' }, ['PATH=/bin']);
    assert.deepEqual(bare.slice(-4, -3), [{ op: 'env', vars: ['PATH=/bin'] }]);
    assert.deepEqual(bare.at(-1), { op: 'exec', args: ['/h'] });
    assert.doesNotThrow(() => encodePlan(bare));
  });

  it('runs createContainer as root in every namespace of init, without a change of credentials', () => {
    const plan = compileHookPlan(hook, { kind: 'container-setup', spec: box, initPid: 42 }, []);
    assert.deepEqual(plan.find((step) => step.op === 'join-pidns'), { op: 'join-pidns', pid: 42 });
    const join = plan.find((step): step is Extract<Step, { op: 'join' }> => step.op === 'join');
    assert.ok(join && join.types.includes('mount') && join.types.includes('net') && join.pid === 42);
    assert.ok(!ops(plan).includes('credentials') && !ops(plan).includes('seccomp'));
    assert.deepEqual(ops(plan).slice(-2), ['exec-path', 'exec']);
  });

  it('runs startContainer as the container\'s process, with its environment unless the hook has one', () => {
    const plan = compileHookPlan(hook, { kind: 'container', spec: box, initPid: 42 }, ['HOST=1']);
    assert.ok(ops(plan).includes('credentials') && ops(plan).includes('seccomp'));
    assert.deepEqual(ops(plan).slice(-2), ['exec-path', 'exec']);
    const env = plan.find((step): step is Extract<Step, { op: 'env' }> => step.op === 'env')!;
    assert.deepEqual(env.vars, box.process!.env);
  });
});

describe('compilePlan: process attributes, domainname, personality, time namespace', () => {
  it('turns the spec\'s names into the kernel\'s numbers, before pivot_root', () => {
    const plan = compilePlan(
      spec((s) => {
        s.domainname = 'example.org';
        s.process!.oomScoreAdj = 300;
        s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
        s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 5, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
        s.linux!.personality = { domain: 'LINUX32' };
      }),
    );
    const at = (op: string) => ops(plan).indexOf(op);
    assert.deepEqual(plan[at('domainname')], { op: 'domainname', name: 'example.org' });
    assert.equal(at('domainname'), at('hostname') + 1);
    assert.deepEqual(plan[at('oom-score-adj')], { op: 'oom-score-adj', value: 300 });
    assert.deepEqual(plan[at('io-priority')], { op: 'io-priority', ioClass: 3, level: 0 });
    assert.deepEqual(plan[at('scheduler')], { op: 'scheduler', policy: 3, flags: 1, nice: 5, priority: 0, runtime: 0, deadline: 0, period: 0 });
    assert.deepEqual(plan[at('personality')], { op: 'personality', domain: 8 });
    for (const op of ['oom-score-adj', 'io-priority', 'scheduler', 'personality']) assert.ok(at(op) < at('pivot-root'), op);
    assert.doesNotThrow(() => encodePlan(plan));
  });

  it('makes a new time namespace with its offsets in the supervisor (never a clone flag); joins one by path', () => {
    const plan = compilePlan(
      spec((s) => {
        s.linux!.namespaces!.push({ type: 'time' });
        s.linux!.timeOffsets = { boottime: { secs: 86400 }, monotonic: { secs: -5, nanosecs: 7 } };
      }),
    );
    assert.ok(!(plan[0] as Extract<Step, { op: 'namespaces' }>).types.includes('time'));
    assert.ok(!plan.some((step) => step.op === 'unshare' && step.types.includes('time')));
    assert.deepEqual(plan.find((step) => step.op === 'time-namespace'), { op: 'time-namespace', monotonic: [-5, 7], boottime: [86400, 0] });
    assert.ok(encodePlan(plan).includes(Buffer.from('time-namespace\0-5\x007\x0086400\x000\0')));
    const joined = compilePlan(spec((s) => s.linux!.namespaces!.push({ type: 'time', path: '/proc/9/ns/time' })));
    assert.deepEqual(joined.find((step) => step.op === 'join-ns'), { op: 'join-ns', type: 'time', path: '/proc/9/ns/time' });
  });

  it('gives exec its execCPUAffinity (not init): initial to the supervisor, final before exec', () => {
    const box = spec((s) => (s.process!.execCPUAffinity = { initial: '0', final: '0-1' }));
    assert.ok(!ops(compilePlan(box)).some((op) => op.includes('cpu-affinity')));
    const plan = compileExecPlan(box, 7, box.process!);
    assert.deepEqual(plan.find((step) => step.op === 'initial-cpu-affinity'), { op: 'initial-cpu-affinity', cpus: [0] });
    assert.deepEqual(plan.find((step) => step.op === 'cpu-affinity'), { op: 'cpu-affinity', cpus: [0, 1] });
    assert.deepEqual(parseCpuList('0-3, 7'), [0, 1, 2, 3, 7]);
    assert.equal(parseCpuList('3-1'), undefined);
  });
});

describe('blockIO throttles and hugepage limits', () => {
  const resources = {
    blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }, { major: 8, minor: 16, rate: 5 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
  };

  it('writes one line per device and file on cgroup v1', () => {
    assert.deepEqual(v1ThrottleWrites(resources), [
      { field: 'blockIO', file: 'blkio.throttle.read_bps_device', value: '8:0 1000' },
      { field: 'blockIO', file: 'blkio.throttle.write_iops_device', value: '8:0 0' },
      { field: 'blockIO', file: 'blkio.throttle.write_iops_device', value: '8:16 5' },
      { field: 'hugepageLimits', file: 'hugetlb.2MB.limit_in_bytes', value: '4194304' },
    ]);
  });

  it('writes one io.max line per device on cgroup v2, a rate of 0 lifting the limit', () => {
    assert.deepEqual(v2ThrottleWrites(resources), [
      { field: 'blockIO', file: 'io.max', value: '8:0 rbps=1000 wiops=max' },
      { field: 'blockIO', file: 'io.max', value: '8:16 wiops=5' },
      { field: 'hugepageLimits', file: 'hugetlb.2MB.max', value: '4194304' },
    ]);
  });
});

describe('validateSpec: the coverage fields', () => {
  it('accepts hooks, domainname, process attributes, personality, a time namespace and throttles', () => {
    const good = spec((s) => {
      s.hooks = { prestart: [{ path: '/bin/true', timeout: 5 }], poststop: [{ path: '/bin/true', env: ['A=b'] }] };
      s.domainname = 'example.org';
      s.process!.oomScoreAdj = 100;
      s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
      s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
      s.linux!.personality = { domain: 'LINUX' };
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { boottime: { secs: 1 } };
      s.linux!.resources = { ...s.linux!.resources, blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] }, hugepageLimits: [{ pageSize: '2MB', limit: 0 }] };
    });
    assert.deepEqual(problemsOf(good), []);
  });

  it('names each field it refuses', () => {
    const problems = problemsOf(
      spec((s) => {
        s.hooks = { createRuntime: [{ path: 'relative/hook', env: ['NOEQUALS'] }] };
        s.domainname = 'x';
        s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'uts');
        delete s.hostname;
        s.process!.oomScoreAdj = -1001;
        s.process!.scheduler = { policy: 'SCHED_BATCH', priority: 3, nice: 30 };
        s.process!.execCPUAffinity = { final: '5-2' };
        s.linux!.personality = { domain: 'LINUX', flags: ['X'] };
        s.linux!.timeOffsets = { realtime: { secs: 1 } };
      }),
    );
    for (const pattern of [
      /^hooks\.createRuntime\[0\]\.path: must be an absolute path/,
      /^hooks\.createRuntime\[0\]\.env\[0\]: must be NAME=VALUE/,
      /^domainname: setting a domain name needs a new uts namespace/,
      /^process\.oomScoreAdj: must be from -1000 to 1000/,
      /^process\.scheduler\.nice: must be from -20 to 19/,
      /^process\.scheduler\.priority: must be 0 for SCHED_BATCH/,
      /^process\.execCPUAffinity\.final: is not a CPU list/,
      /^linux\.personality\.flags: no personality flags are supported/,
      /^linux\.timeOffsets: needs a new time namespace/,
      /^linux\.timeOffsets\.realtime: only the monotonic and boottime clocks/,
    ]) {
      assert.ok(problems.some((problem) => pattern.test(problem)), `${pattern} not in:\n${problems.join('\n')}`);
    }
  });

  it('refuses an LSM label the host cannot apply, and keeps refusing what stays unimplemented', () => {
    const problems = problemsOf(
      spec((s) => {
        s.process!.apparmorProfile = 'p';
        s.process!.selinuxLabel = 'l';
        (s.linux as Record<string, unknown>).memoryPolicy = { mode: 'MPOL_BIND' };
      }),
    );
    if (!existsSync('/sys/kernel/security/apparmor')) assert.ok(problems.some((p) => /^process\.apparmorProfile: AppArmor is not enabled on this host/.test(p)));
    if (!existsSync('/sys/fs/selinux/enforce')) assert.ok(problems.some((p) => /^process\.selinuxLabel: SELinux is not enabled on this host/.test(p)));
    assert.ok(problems.some((p) => /^linux\.memoryPolicy: NUMA memory policies are not supported/.test(p)));
  });
});
