import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastLines } from '../../src/runtime/logs.js';

const last = (text: string, count: number): string => lastLines(Buffer.from(text), count).toString();

describe('lastLines', () => {
  it('gives the last N lines of text ending in a newline, with that newline', () => {
    assert.equal(last('a\nb\nc\n', 1), 'c\n');
    assert.equal(last('a\nb\nc\n', 2), 'b\nc\n');
    assert.equal(last('a\nb\nc\n', 3), 'a\nb\nc\n');
  });

  it('counts an unterminated last line as a line', () => {
    assert.equal(last('a\nb\nc', 1), 'c');
    assert.equal(last('a\nb\nc', 2), 'b\nc');
    assert.equal(last('one line', 1), 'one line');
  });

  it('gives everything when N is larger than the number of lines', () => {
    assert.equal(last('a\nb\nc\n', 4), 'a\nb\nc\n');
    assert.equal(last('a\nb\nc', 100), 'a\nb\nc');
    assert.equal(last('x', 5), 'x');
  });

  it('gives nothing for N = 0 (or less)', () => {
    assert.equal(lastLines(Buffer.from('a\nb\n'), 0).length, 0);
    assert.equal(lastLines(Buffer.from('a\nb\n'), -1).length, 0);
  });

  it('gives nothing for an empty buffer', () => {
    assert.equal(lastLines(Buffer.alloc(0), 1).length, 0);
    assert.equal(lastLines(Buffer.alloc(0), 10).length, 0);
  });

  it('keeps empty lines and CR bytes, and counts them as lines', () => {
    assert.equal(last('a\n\n\nb\n', 2), '\nb\n');
    assert.equal(last('a\r\nb\r\n', 1), 'b\r\n');
    assert.equal(last('\n', 1), '\n');
  });

  it('works on raw bytes, leaving invalid UTF-8 untouched', () => {
    const input = Buffer.from([0xff, 0x0a, 0xfe, 0x41, 0x0a]);
    assert.deepEqual(lastLines(input, 1), Buffer.from([0xfe, 0x41, 0x0a]));
  });
});
