import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { STEP_OPCODES } from '../../src/plan/steps.js';

/** The opcode names of the opdefs table in the C executor's plan parser. */
function cOpcodes(): string[] {
  const source = readFileSync(new URL('../../executor/src/plan.c', import.meta.url), 'utf8');
  const table = /static const struct opdef opdefs\[\] = \{([\s\S]*?)\n\};/.exec(source)?.[1];
  assert.ok(table, 'the opdefs table was not found in plan.c');
  return [...table.matchAll(/^\s*\{ "([a-z-]+)",/gm)].map((match) => match[1] ?? '');
}

describe('opcodes', () => {
  it('the TypeScript Step union and the C opdefs table name the same opcodes', () => {
    const c = cOpcodes();
    assert.ok(c.length > 30, `only ${c.length} opcodes parsed from plan.c`);
    assert.deepEqual([...STEP_OPCODES].sort(), [...c].sort());
  });
});
