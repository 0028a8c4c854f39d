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

describe('ContainerError as data', () => {
  it('carries a stable code and, where given, step, errno, path and container', () => {
    const cause = new Error('root cause');
    const error = new ContainerError('mount failed', { code: 'step-failed', step: 'mount', errno: 2, path: '/proc', container: 'box', cause });
    assert.equal(error.code, 'step-failed');
    assert.equal(error.exitCode, 125);
    assert.equal(error.step, 'mount');
    assert.equal(error.errno, 2);
    assert.equal(error.path, '/proc');
    assert.equal(error.container, 'box');
    assert.equal(error.cause, cause);
  });

  it('keeps unknown fields absent, and the older form has code "failed"', () => {
    const error = new ContainerError('x', { code: 'host', exitCode: 127 });
    assert.equal(error.exitCode, 127);
    assert.deepEqual(['step', 'errno', 'path', 'container', 'cause'].filter((key) => key in error), []);
    assert.equal(new ContainerError('y', 126).code, 'failed');
  });
});
