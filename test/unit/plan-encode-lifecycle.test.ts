/** encode.ts: the steps added for detached containers (monitor) and exec. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePlan } from '../../src/plan/encode.js';
import type { Plan, Step } from '../../src/plan/steps.js';

/** The tokens one step encodes to, between the magic and `end`. */
function stepTokens(step: Step): string[] {
  const buffer = encodePlan([step]);
  assert.equal(buffer.at(-1), 0, 'the last token must be NUL-terminated');
  const all = buffer.subarray(0, -1).toString('utf8').split('\0');
  assert.equal(all[0], 'TSNPLAN/1');
  assert.equal(all.at(-1), 'end');
  return all.slice(1, -1);
}

describe('encodePlan: monitor and exec steps', () => {
  it('detach has no arguments', () => {
    assert.deepEqual(stepTokens({ op: 'detach' }), ['detach']);
  });

  it('log gives PATH and MAXBYTES in decimal', () => {
    assert.deepEqual(stepTokens({ op: 'log', path: '/run/ts-nspawn/box/console.log', maxBytes: 1048576 }), ['log', '/run/ts-nspawn/box/console.log', '1048576']);
    assert.deepEqual(stepTokens({ op: 'log', path: '/l', maxBytes: 0 }), ['log', '/l', '0']);
  });

  it('attach-socket and exit-file give a PATH', () => {
    assert.deepEqual(stepTokens({ op: 'attach-socket', path: '/run/ts-nspawn/box/attach.sock' }), ['attach-socket', '/run/ts-nspawn/box/attach.sock']);
    assert.deepEqual(stepTokens({ op: 'exit-file', path: '/run/ts-nspawn/box/exit' }), ['exit-file', '/run/ts-nspawn/box/exit']);
  });

  it('exit-command gives its arguments as a list (count, then items)', () => {
    assert.deepEqual(stepTokens({ op: 'exit-command', args: ['/opt/ts-nspawn/bin/ts-nspawn', 'cleanup', 'my box'] }), [
      'exit-command',
      '3',
      '/opt/ts-nspawn/bin/ts-nspawn',
      'cleanup',
      'my box',
    ]);
    assert.deepEqual(stepTokens({ op: 'exit-command', args: [''] }), ['exit-command', '1', '']);
  });

  it('join-pidns gives the PID', () => {
    assert.deepEqual(stepTokens({ op: 'join-pidns', pid: 4242 }), ['join-pidns', '4242']);
  });

  it('join gives the PID and the namespaces as one comma list', () => {
    assert.deepEqual(stepTokens({ op: 'join', pid: 4242, types: ['mount', 'uts', 'ipc', 'net', 'cgroup'] }), ['join', '4242', 'mount,uts,ipc,net,cgroup']);
    assert.deepEqual(stepTokens({ op: 'join', pid: 1, types: ['user'] }), ['join', '1', 'user']);
  });

  it('produces the exact bytes of a detached exec-style plan', () => {
    const plan: Plan = [
      { op: 'namespaces', types: [] },
      { op: 'join-pidns', pid: 77 },
      { op: 'detach' },
      { op: 'log', path: '/s/console.log', maxBytes: 512 },
      { op: 'attach-socket', path: '/s/attach.sock' },
      { op: 'exit-file', path: '/s/exit' },
      { op: 'exit-command', args: ['/bin/cleanup', 'box'] },
      { op: 'wait-go' },
      { op: 'join', pid: 77, types: ['mount', 'net'] },
      { op: 'exec', args: ['/bin/sh'] },
    ];
    const expected =
      'TSNPLAN/1\0' +
      'namespaces\0\0' +
      'join-pidns\x0077\0' +
      'detach\0' +
      'log\0/s/console.log\x00512\0' +
      'attach-socket\0/s/attach.sock\0' +
      'exit-file\0/s/exit\0' +
      'exit-command\x002\0/bin/cleanup\0box\0' +
      'wait-go\0' +
      'join\x0077\0mount,net\0' +
      'exec\x001\0/bin/sh\0' +
      'end\0';
    assert.deepEqual(encodePlan(plan), Buffer.from(expected));
  });

  it('rejects a NUL byte in the new steps\' tokens', () => {
    assert.throws(() => encodePlan([{ op: 'log', path: '/a\0b', maxBytes: 1 }]), /NUL byte/);
    assert.throws(() => encodePlan([{ op: 'exit-command', args: ['/bin/x', 'a\0'] }]), /NUL byte/);
    assert.throws(() => encodePlan([{ op: 'attach-socket', path: '\0' }]), /NUL byte/);
  });
});
