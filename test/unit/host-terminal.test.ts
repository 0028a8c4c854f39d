import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { it } from 'node:test';
import { isTerminal } from '../../src/host/terminal.js';

it('tells terminals from other files', () => {
  const devNull = openSync('/dev/null', 'r');
  const file = openSync('/etc/hostname', 'r');
  const ptmx = openSync('/dev/ptmx', 'r+');
  try {
    assert.equal(isTerminal(devNull), false, 'a character device that is no tty');
    assert.equal(isTerminal(file), false);
    assert.equal(isTerminal(ptmx), true, 'a pseudo-terminal master (major 5)');
    assert.equal(isTerminal(9999), false, 'a closed descriptor');
  } finally {
    for (const fd of [devNull, file, ptmx]) closeSync(fd);
  }
});
