/**
 * Property-based: specs mutated at random (a field replaced by a value of
 * another type, out of range, with control characters or NUL bytes, or
 * removed) and passed to the library keep its contract: the promise
 * rejects with a ContainerError whose message is one line and whose exit
 * code is 125 -- never a TypeError, never an exception out of a handler --
 * and nothing is left: no executor process, no state. Every spec has a
 * root directory that does not exist, so a mutation that stays valid fails
 * at the preflight, and no container ever starts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ContainerError } from '../../src/errors.js';
import { runContainer, startDetached } from '../../src/runtime/container.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { Spec } from '../../src/oci/types.js';
import { propertyParameters } from './helpers/contract.js';
import { useTemporaryStateDir } from './helpers/index.js';

const state = useTemporaryStateDir();
after(() => state.remove());

function baseSpec(): Record<string, unknown> {
  const spec = buildSpec({ directory: '/nonexistent-tsn-prop-root', command: ['/bin/sh', '-c', 'true'], user: '0:0', env: ['A=1'] });
  return JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
}

/** Every path to a value in the spec (object keys and array indexes). */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => paths(item, [...prefix, key]))];
}

const ALL_PATHS = paths(baseSpec()).filter((path) => path.length > 0);

const replacement = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 32, Number.MAX_SAFE_INTEGER, '', '/', 'rel/path', '..', 'a\nb', 'x\0y', '\u001b[2J', [], {}, [[]], { a: 1 }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);

type Mutation = { path: Array<string | number>; value: unknown; remove: boolean };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  path: fc.constantFrom(...ALL_PATHS),
  value: replacement,
  remove: fc.boolean(),
});

function mutate(spec: Record<string, unknown>, { path, value, remove }: Mutation): void {
  let parent: any = spec;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path.at(-1)!;
  if (remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
}

/** Executors among the children of this process (tsx's own esbuild service is one too, and fine). */
function executors(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ts-nspawn-executor');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('library specs mutated at random', () => {
  it('reject with a one-line ContainerError (exit 125), leaving no process or state', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (mutations, detached) => {
        const spec = baseSpec();
        for (const change of mutations) {
          try {
            mutate(spec, change);
          } catch {
            // a path made unreachable by an earlier mutation
          }
        }
        const start = detached ? startDetached : runContainer;
        await assert.rejects(start(spec as unknown as Spec), (error: unknown) => {
          assert.ok(error instanceof ContainerError, `not a ContainerError: ${String(error)}`);
          assert.equal(error.exitCode, 125, error.message);
          assert.ok(!error.message.includes('\n'), `more than one line: ${JSON.stringify(error.message)}`);
          return true;
        });
        assert.deepEqual(executors(), [], 'no executor is left');
        assert.deepEqual(readdirSync(state.path), [], 'no state is left');
      }),
      propertyParameters(300, 20_000),
    );
  });
});
