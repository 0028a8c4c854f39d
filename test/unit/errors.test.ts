import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerError, fail } from '../../src/errors.js';

describe('ContainerError', () => {
  it('is an Error named ContainerError with exit code 125 by default', () => {
    const error = new ContainerError('bad thing');
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ContainerError');
    assert.equal(error.message, 'bad thing');
    assert.equal(error.exitCode, 125);
  });

  it('keeps a given exit code and cause', () => {
    const cause = new Error('root cause');
    const error = new ContainerError('not found', 127, { cause });
    assert.equal(error.exitCode, 127);
    assert.equal(error.cause, cause);
  });
});

describe('fail', () => {
  it('throws a ContainerError with the message and exit code', () => {
    assert.throws(() => fail('nope'), (error: unknown) => error instanceof ContainerError && error.message === 'nope' && error.exitCode === 125);
    assert.throws(() => fail('not executable', 126), (error: unknown) => error instanceof ContainerError && error.exitCode === 126);
  });
});
