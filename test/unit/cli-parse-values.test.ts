import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNonNegative, parseSignal } from '../../src/cli/parse-values.js';
import { assertContainerError } from './helpers/index.js';

describe('parseSignal', () => {
  it('takes names with or without SIG, in any case', () => {
    assert.equal(parseSignal('TERM'), 15);
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('term'), 15);
    assert.equal(parseSignal('sigterm'), 15);
    assert.equal(parseSignal('HUP'), 1);
    assert.equal(parseSignal('KILL'), 9);
    assert.equal(parseSignal('SIGUSR1'), 10);
    assert.equal(parseSignal('INT'), 2);
  });

  it('takes numbers from 1 to 64', () => {
    assert.equal(parseSignal('15'), 15);
    assert.equal(parseSignal('9'), 9);
    assert.equal(parseSignal('1'), 1);
    assert.equal(parseSignal('64'), 64);
    assert.equal(parseSignal('37'), 37);
  });

  it('takes real-time signals relative to glibc\'s RTMIN (34) and RTMAX (64)', () => {
    assert.equal(parseSignal('RTMIN'), 34);
    assert.equal(parseSignal('RTMIN+3'), 37);
    assert.equal(parseSignal('SIGRTMIN+3'), 37);
    assert.equal(parseSignal('rtmin+30'), 64);
    assert.equal(parseSignal('RTMAX'), 64);
    assert.equal(parseSignal('SIGRTMAX-1'), 63);
    assert.equal(parseSignal('RTMAX-30'), 34);
  });

  it('rejects out-of-range numbers, unknown names and empty text with exit 125, quoting the value', () => {
    for (const bad of ['0', '65', '100', 'NOPE', 'SIGNOPE', 'RTMIN+31', 'RTMIN-1', 'RTMAX+1', 'RTMAX-31', '-1', '', 'SIG', '1.5', ' 15']) {
      assertContainerError(() => parseSignal(bad), `'${bad}'`, 'unknown signal');
    }
  });

  it('explains what it accepts', () => {
    assertContainerError(() => parseSignal('NOPE'), "unknown signal 'NOPE': give a name like TERM, HUP, RTMIN+3 or a number from 1 to 64");
  });
});

describe('parseNonNegative', () => {
  it('takes zero, integers and fractions', () => {
    assert.equal(parseNonNegative('0', 'timeout'), 0);
    assert.equal(parseNonNegative('10', 'timeout'), 10);
    assert.equal(parseNonNegative('2.5', 'timeout'), 2.5);
    assert.equal(parseNonNegative(' 3 ', 'timeout'), 3);
  });

  it('rejects negatives, non-numbers, infinity and empty text with exit 125, naming what and quoting the value', () => {
    for (const bad of ['-1', '-0.5', 'abc', '', '   ', 'Infinity', 'NaN', '5s']) {
      assertContainerError(() => parseNonNegative(bad, 'timeout'), `invalid timeout '${bad}'`, 'expected a number of 0 or more');
    }
  });
});
