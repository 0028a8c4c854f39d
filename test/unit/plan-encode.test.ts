import assert from 'node:assert/strict';
import { ContainerError } from '../../src/errors.js';
import { describe, it } from 'node:test';
import { encodePlan, PLAN_MAGIC } from '../../src/plan/encode.js';
import type { Plan, Step } from '../../src/plan/steps.js';

/** The tokens of an encoded plan (checks the NUL terminator of the last one). */
function tokens(buffer: Buffer): string[] {
  assert.equal(buffer.at(-1), 0, 'the last token must be NUL-terminated');
  return buffer.subarray(0, -1).toString('utf8').split('\0');
}

/** The tokens one step encodes to, between the magic and `end`. */
function stepTokens(step: Step): string[] {
  const all = tokens(encodePlan([step]));
  assert.equal(all[0], 'TSNPLAN/1');
  assert.equal(all.at(-1), 'end');
  return all.slice(1, -1);
}

describe('encodePlan', () => {
  it('uses the magic TSNPLAN/1', () => {
    assert.equal(PLAN_MAGIC, 'TSNPLAN/1');
  });

  it('encodes an empty plan as the magic and end', () => {
    assert.deepEqual(encodePlan([]), Buffer.from('TSNPLAN/1\0end\0'));
  });

  it('produces the exact bytes of a small plan', () => {
    const plan: Plan = [
      { op: 'namespaces', types: ['mount', 'pid'] },
      { op: 'setsid' },
      { op: 'mknod', path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
      { op: 'env', vars: ['A=1', 'B='] },
      { op: 'exec', args: ['/bin/echo', 'hi there'] },
    ];
    const expected = Buffer.concat([
      Buffer.from('TSNPLAN/1\0'),
      Buffer.from('namespaces\0mount,pid\0'),
      Buffer.from('setsid\0'),
      Buffer.from('mknod\0/dev/null\0c\x001\x003\x00666\x000\x000\0'),
      Buffer.from('env\x002\0A=1\0B=\0'),
      Buffer.from('exec\x002\0/bin/echo\0hi there\0'),
      Buffer.from('end\0'),
    ]);
    const actual = encodePlan(plan);
    assert.ok(Buffer.isBuffer(actual));
    assert.equal(actual.toString('hex'), expected.toString('hex'));
  });

  it('writes mknod modes in octal', () => {
    const mknod = (mode: number) =>
      stepTokens({ op: 'mknod', path: '/dev/x', type: 'b', major: 7, minor: 12, mode, uid: 5, gid: 6 });
    assert.deepEqual(mknod(0o620), ['mknod', '/dev/x', 'b', '7', '12', '620', '5', '6']);
    assert.deepEqual(mknod(0o1777), ['mknod', '/dev/x', 'b', '7', '12', '1777', '5', '6']);
    assert.deepEqual(mknod(0), ['mknod', '/dev/x', 'b', '7', '12', '0', '5', '6']);
  });

  it('encodes every opcode with its documented arguments', () => {
    const cases: Array<[Step, string[]]> = [
      [{ op: 'namespaces', types: [] }, ['namespaces', '']],
      [{ op: 'console' }, ['console']],
      [{ op: 'escape', mode: 'kill' }, ['escape', 'kill']],
      [{ op: 'forward-signal', from: 15, to: 37 }, ['forward-signal', '15', '37']],
      [{ op: 'wait-go' }, ['wait-go']],
      [{ op: 'setsid' }, ['setsid']],
      [{ op: 'unshare', types: ['cgroup'] }, ['unshare', 'cgroup']],
      [{ op: 'hostname', name: 'box' }, ['hostname', 'box']],
      [{ op: 'loopback-up' }, ['loopback-up']],
      [{ op: 'propagation', mode: 'slave' }, ['propagation', 'slave']],
      [{ op: 'enter-root', path: '/srv/root' }, ['enter-root', '/srv/root']],
      [
        { op: 'mount', source: 'tmpfs', target: '/dev', fstype: 'tmpfs', flags: ['nosuid', 'strictatime'], data: 'mode=755,size=65536k', create: 'dir' },
        ['mount', 'tmpfs', '/dev', 'tmpfs', 'nosuid,strictatime', 'mode=755,size=65536k', 'dir'],
      ],
      [
        { op: 'mount', source: '/host', target: '/mnt', fstype: '', flags: [], data: '', create: 'auto' },
        ['mount', '/host', '/mnt', '', '', '', 'auto'],
      ],
      [{ op: 'symlink', target: 'pts/ptmx', path: '/dev/ptmx' }, ['symlink', 'pts/ptmx', '/dev/ptmx']],
      [{ op: 'bind-console', path: '/dev/console' }, ['bind-console', '/dev/console']],
      [{ op: 'pivot-root' }, ['pivot-root']],
      [{ op: 'mask', path: '/proc/kcore' }, ['mask', '/proc/kcore']],
      [{ op: 'readonly', path: '/proc/sys' }, ['readonly', '/proc/sys']],
      [{ op: 'chdir', path: '/' }, ['chdir', '/']],
      [{ op: 'no-new-privileges' }, ['no-new-privileges']],
      [
        {
          op: 'credentials',
          uid: 1000,
          gid: 100,
          groups: [5, 27],
          bounding: '0xfdecbfff',
          effective: '0x0',
          permitted: '0x0',
          inheritable: '0x0',
          ambient: '0x0',
        },
        ['credentials', '1000', '100', '2', '5', '27', '0xfdecbfff', '0x0', '0x0', '0x0', '0x0'],
      ],
      [
        { op: 'credentials', uid: 0, gid: 0, groups: [], bounding: '0x1', effective: '0x2', permitted: '0x3', inheritable: '0x4', ambient: '0x5' },
        ['credentials', '0', '0', '0', '0x1', '0x2', '0x3', '0x4', '0x5'],
      ],
      [{ op: 'env', vars: [] }, ['env', '0']],
      [{ op: 'exec', args: ['/sbin/init'] }, ['exec', '1', '/sbin/init']],
    ];
    for (const [step, expected] of cases) assert.deepEqual(stepTokens(step), expected, step.op);
  });

  it('keeps the steps in plan order and ends with end', () => {
    const all = tokens(encodePlan([{ op: 'pivot-root' }, { op: 'chdir', path: '/x' }, { op: 'exec', args: [] }]));
    assert.deepEqual(all, ['TSNPLAN/1', 'pivot-root', 'chdir', '/x', 'exec', '0', 'end']);
  });

  it('encodes non-ASCII tokens as UTF-8', () => {
    const buffer = encodePlan([{ op: 'exec', args: ['/bin/echo', 'grüße'] }]);
    assert.ok(buffer.includes(Buffer.from([0x67, 0x72, 0xc3, 0xbc, 0xc3, 0x9f, 0x65, 0x00])));
  });

  it('rejects a token with a NUL byte', () => {
    assert.throws(() => encodePlan([{ op: 'exec', args: ['/bin/echo', 'a\0b'] }]), {
      name: 'ContainerError',
      code: 'invalid-spec',
      step: 'exec',
      message: 'cannot encode step 0 (exec) of the plan: an argument contains a NUL byte: "a\\u0000b"',
    });
    assert.throws(() => encodePlan([{ op: 'env', vars: ['X=\0'] }]), /NUL byte/);
    assert.throws(() => encodePlan([{ op: 'chdir', path: '/\0' }]), /NUL byte/);
  });

  it('rejects what the executor cannot take with a ContainerError naming the step, never a TypeError', () => {
    const bad: unknown[] = [
      { op: 'exec', args: ['/bin/echo', 'x'.repeat(128 * 1024)] },
      { op: 'forward-signal', from: Symbol('x'), to: 2 },
      { op: 'mknod', path: '/dev/x', type: 'c', major: 1n, minor: 3, mode: 0o666, uid: 0, gid: 0 },
      { op: 'credentials', uid: 0, gid: 0, groups: 'nope', bounding: '0x0', effective: '0x0', permitted: '0x0', inheritable: '0x0', ambient: '0x0' },
      { op: 'hostname', name: 5 },
      { op: 'no-such-op' },
    ];
    for (const step of bad) {
      assert.throws(() => encodePlan([step as Step]), (error: unknown) => error instanceof ContainerError && /^cannot encode step 0 /.test(error.message));
    }
    // An argument up to the kernel's limit (128 KiB with its NUL) is fine.
    assert.ok(encodePlan([{ op: 'exec', args: ['/bin/echo', 'x'.repeat(128 * 1024 - 1)] }]).length > 128 * 1024);
  });

  it('encodes join-ns, rlimit, sysctl and umask', () => {
    const tokens = (step: Step) => encodePlan([step]).toString().split('\0').slice(1, -2);
    assert.deepEqual(tokens({ op: 'join-ns', type: 'net', path: '/run/netns/x' }), ['join-ns', 'net', '/run/netns/x']);
    assert.deepEqual(tokens({ op: 'rlimit', type: 'RLIMIT_NOFILE', soft: 64, hard: 'infinity' }), ['rlimit', 'RLIMIT_NOFILE', '64', 'infinity']);
    assert.deepEqual(tokens({ op: 'sysctl', key: 'kernel.shmmax', value: '4096' }), ['sysctl', 'kernel.shmmax', '4096']);
    assert.deepEqual(tokens({ op: 'umask', mode: 0o022 }), ['umask', '22']);
  });
});
