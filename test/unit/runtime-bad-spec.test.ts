/**
 * Library input is untrusted: whatever a caller passes as a spec, the
 * runtime rejects it with a ContainerError before anything is spawned --
 * never a TypeError, never an exception past the promise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerError } from '../../src/errors.js';
import { runContainer, startDetached } from '../../src/runtime/container.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { Spec } from '../../src/oci/types.js';

function spec(change: (spec: any) => void): Spec {
  const s = buildSpec({ directory: '/nonexistent-tsn-root', command: ['/bin/true'], user: '0:0' });
  change(s);
  return s;
}

describe('a bad spec through the library', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['null', null, /not null/],
    ['a circular object', spec((s) => (s.process.self = s.process)), /process\.self: refers back to itself/],
    ['a BigInt', spec((s) => (s.process.user.uid = 0n)), /process\.user\.uid: must be JSON data, not a bigint/],
    ['a Symbol', spec((s) => (s.process.user.uid = Symbol('x'))), /process\.user\.uid: must be integer/],
    ['a number as cwd', spec((s) => (s.process.cwd = 5)), /process\.cwd: must be string/],
    ['a string as args', spec((s) => (s.process.args = '/bin/true')), /process\.args: must be array/],
    ['a NUL byte', spec((s) => (s.mounts[0].destination = '/pr\0oc')), /mounts\[0\]\.destination: contains a NUL byte/],
    ['an unknown capability', spec((s) => s.process.capabilities.bounding.push('CAP_NOPE')), /unknown capability "CAP_NOPE"/],
    ['no namespaces', spec((s) => (s.linux.namespaces = [])), /a new mount namespace is required/],
    ['a missing namespace path', spec((s) => s.linux.namespaces.splice(0, 1, { type: 'mount', path: '/nonexistent' })), /joining a mount namespace is not supported/],
    ['an argument over 128 KiB', spec((s) => s.process.args.push('x'.repeat(200_000))), /process\.args\[1\]: is longer than the kernel's limit/],
  ];
  for (const [what, input, message] of cases) {
    it(`rejects ${what} with an invalid-spec ContainerError`, async () => {
      for (const start of [runContainer, startDetached]) {
        await assert.rejects(start(input as Spec), (error: unknown) => {
          assert.ok(error instanceof ContainerError, `${String(error)}`);
          assert.equal(error.code, 'invalid-spec');
          assert.equal(error.exitCode, 125);
          assert.match(error.message, message);
          assert.ok(!error.message.includes('\n'));
          return true;
        });
      }
    });
  }
});
