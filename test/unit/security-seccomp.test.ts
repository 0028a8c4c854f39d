import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RUN_CAPABILITIES } from '../../src/security/capabilities.js';
import { defaultSeccompProfile } from '../../src/security/seccomp-default.js';
import { parseSeccompProfile } from '../../src/security/seccomp-profile.js';
import { compileSeccomp } from '../../src/security/seccomp-rules.js';
import { DEFAULT_CAPABILITIES } from '../../src/oci/defaults.js';
import { encodePlan } from '../../src/plan/encode.js';
import type { CapabilityName } from '../../src/oci/types.js';
import { assertContainerError } from './helpers/index.js';

/** The rules of a profile whose first word is an action other than allow, keyed by system call. */
function rulesFor(capabilities: readonly CapabilityName[], boot = false): Map<string, string[]> {
  const filter = compileSeccomp(defaultSeccompProfile({ capabilities, boot }));
  assert.equal(filter.defaultAction, 'allow');
  const rules = new Map<string, string[]>();
  for (const rule of filter.rules) {
    const [action, name, ...args] = rule.split(' ');
    rules.set(name!, [...(rules.get(name!) ?? []), [action, ...args].join(' ')]);
  }
  return rules;
}

describe('defaultSeccompProfile', () => {
  const run = rulesFor(RUN_CAPABILITIES);

  it('blocks the kernel interfaces a container must not reach, with EPERM', () => {
    const names = [
      'open_by_handle_at', 'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd',
      'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'swapon', 'swapoff',
      'acct', 'quotactl', 'lookup_dcookie', 'fanotify_init', 'clock_settime', 'settimeofday', 'adjtimex',
      'clock_adjtime', 'stime', 'iopl', 'ioperm', 'syslog', 'ptrace', 'process_vm_readv', 'process_vm_writev',
      'pidfd_getfd', 'mount', 'umount2', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree',
      'mount_setattr', 'pivot_root', 'unshare', 'setns',
    ];
    for (const name of names) assert.deepEqual(run.get(name), ['errno:1'], name);
  });

  it('makes clone3 fail with ENOSYS and blocks clone with any namespace flag', () => {
    assert.deepEqual(run.get('clone3'), ['errno:38']);
    const flags = [0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000];
    assert.deepEqual(run.get('clone'), flags.map((flag) => `errno:1 0 masked-eq 0x${flag.toString(16)} 0x${flag.toString(16)}`));
  });

  it('blocks TIOCSTI and TIOCLINUX on the low 32 bits of the request', () => {
    assert.deepEqual(run.get('ioctl'), ['errno:1 1 masked-eq 0xffffffff 0x5412', 'errno:1 1 masked-eq 0xffffffff 0x541c']);
  });

  it('blocks audit netlink sockets: EPERM for run, EAFNOSUPPORT ("audit is off") for boot', () => {
    assert.deepEqual(run.get('socket'), ['errno:1 0 eq 0x10 2 eq 0x9']);
    assert.deepEqual(rulesFor(DEFAULT_CAPABILITIES, true).get('socket'), ['errno:97 0 eq 0x10 2 eq 0x9']);
  });

  it('blocks risky personality flags but lets the query 0xffffffff through', () => {
    const rules = run.get('personality') ?? [];
    assert.ok(rules.includes('errno:1 0 masked-eq 0x80040000 0x40000'), 'ADDR_NO_RANDOMIZE');
    // What a rule blocks, evaluated: any match blocks.
    const blocks = (value: number) =>
      rules.some((rule) => {
        const [, , , mask, datum] = rule.split(' ');
        return (BigInt(value) & BigInt(mask!)) === BigInt(datum!);
      });
    assert.equal(blocks(0xffffffff), false);
    for (const harmless of [0, 8, 0x20000, 0x20008]) assert.equal(blocks(harmless), false, harmless.toString(16));
    for (const risky of [0x40000, 0x400000, 0x80040000, 0x80000000, 0xfffffffe]) assert.equal(blocks(risky), true, risky.toString(16));
  });

  it('filters only the native architecture', () => {
    assert.deepEqual(compileSeccomp(defaultSeccompProfile({ capabilities: RUN_CAPABILITIES })).architectures, [
      process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : assert.fail(process.arch),
    ]);
  });

  it('lets through what granted capabilities allow (boot: CAP_SYS_ADMIN, CAP_SYS_PTRACE)', () => {
    const boot = rulesFor(DEFAULT_CAPABILITIES, true);
    for (const name of ['mount', 'unshare', 'setns', 'pivot_root', 'clone', 'clone3', 'ptrace']) {
      assert.equal(boot.get(name), undefined, name);
    }
    // But no unmount (of a mask or read-only /proc/sys), and the new mount API falls back to mount(2).
    for (const name of ['umount', 'umount2']) assert.deepEqual(boot.get(name), ['errno:1'], name);
    for (const name of ['fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr']) {
      assert.deepEqual(boot.get(name), ['errno:38'], name);
    }
    for (const name of ['keyctl', 'bpf', 'kexec_load', 'open_by_handle_at', 'syslog', 'clock_settime']) {
      assert.deepEqual(boot.get(name), ['errno:1'], name);
    }
    assert.equal(boot.get('ioctl')?.length, 2);
  });
});

describe('parseSeccompProfile', () => {
  const caps = RUN_CAPABILITIES;

  it('takes an OCI profile as it is', () => {
    const oci = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }],
    };
    assert.deepEqual(parseSeccompProfile(oci, caps), oci);
  });

  it('resolves Docker\'s name, includes/excludes and archMap', () => {
    const native = process.arch === 'x64' ? 'SCMP_ARCH_X86_64' : 'SCMP_ARCH_AARCH64';
    const docker = {
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: native, subArchitectures: ['SCMP_ARCH_X86'] }, { architecture: 'SCMP_ARCH_S390X', subArchitectures: [] }],
      syscalls: [
        { name: 'getpid', action: 'SCMP_ACT_ALLOW' },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['chown'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_CHOWN'] } },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_CHOWN'] } },
        { names: ['s390_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['s390x'] } },
      ],
    };
    assert.deepEqual(parseSeccompProfile(docker, caps), {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: [native, 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
        { names: ['chown'], action: 'SCMP_ACT_ALLOW' },
      ],
    });
  });

  it('refuses what it cannot carry out, saying where', () => {
    assertContainerError(() => parseSeccompProfile([], caps), 'must be a JSON object');
    assertContainerError(() => parseSeccompProfile({ defaultAction: 'SCMP_ACT_BOGUS' }, caps), 'defaultAction');
    assertContainerError(() => parseSeccompProfile({ defaultAction: 'SCMP_ACT_NOTIFY' }, caps), 'not supported');
    assertContainerError(
      () => parseSeccompProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 7, value: 0, op: 'SCMP_CMP_EQ' }] }] }, caps),
      'syscalls[0].args[0].index',
    );
    assertContainerError(
      () => parseSeccompProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'SCMP_CMP_SIMILAR' }] }] }, caps),
      'syscalls[0].args[0].op',
    );
    assertContainerError(() => parseSeccompProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ action: 'SCMP_ACT_ERRNO' }] }, caps), 'syscalls[0]');
  });
});

describe('compileSeccomp', () => {
  it('writes one text rule per name, skipping rules that do what the default does', () => {
    const filter = compileSeccomp({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
        { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
        { names: ['uname'], action: 'SCMP_ACT_TRACE', errnoRet: 5 },
      ],
    });
    assert.deepEqual(filter, {
      defaultAction: 'errno:1',
      architectures: ['x86_64'],
      rules: ['allow read', 'allow write', 'kill-process kill 1 eq 0x9', 'trace:5 uname'],
    });
  });

  it('splits comparisons of one argument into rules of their own, as runc does', () => {
    const filter = compileSeccomp({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        {
          names: ['personality'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 13,
          args: [
            { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
            { index: 0, value: 0xff, valueTwo: 2, op: 'SCMP_CMP_MASKED_EQ' },
          ],
        },
      ],
    });
    assert.deepEqual(filter.rules, ['errno:13 personality 0 eq 0x1', 'errno:13 personality 0 masked-eq 0xff 0x2']);
  });

  it('encodes as DEFAULT ARCHES(list) RULES(list)', () => {
    const encoded = encodePlan([
      { op: 'seccomp', defaultAction: 'allow', architectures: ['x86_64'], rules: ['errno:1 mkdir'] },
      { op: 'exec', args: ['/bin/true'] },
    ]);
    assert.equal(encoded.toString().split('\0').slice(1, 7).join('|'), 'seccomp|allow|1|x86_64|1|errno:1 mkdir');
  });

  it('is one frozen object per kind of container, whose filter compiles once', () => {
    const first = defaultSeccompProfile({ capabilities: RUN_CAPABILITIES });
    assert.equal(defaultSeccompProfile({ capabilities: [...RUN_CAPABILITIES] }), first);
    assert.notEqual(defaultSeccompProfile({ capabilities: RUN_CAPABILITIES, boot: true }), first);
    assert.notEqual(defaultSeccompProfile({ capabilities: [...RUN_CAPABILITIES, 'CAP_SYS_PTRACE'] }), first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.syscalls) && Object.isFrozen(first.syscalls![0]!.names));
    assert.equal(compileSeccomp(first), compileSeccomp(first));
    assert.deepEqual(compileSeccomp(structuredClone(first)), compileSeccomp(first));
  });
});
