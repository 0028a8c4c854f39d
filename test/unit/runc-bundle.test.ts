import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readBundle } from '../../src/runc/bundle.js';
import { makeTempDir } from './helpers/index.js';

describe('readBundle', () => {
  const temp = makeTempDir();
  after(() => temp.remove());
  const bundleWith = (linux: object) => {
    writeFileSync(join(temp.path, 'config.json'), JSON.stringify({ ociVersion: '1.0.2-dev', root: { path: 'rootfs' }, process: { cwd: '/', args: ['sh'] }, linux }));
    return readBundle(temp.path).spec;
  };

  it('resolves root.path against the bundle', () => {
    assert.equal(bundleWith({}).root.path, join(temp.path, 'rootfs'));
  });

  it('allows the default device nodes after an engine\'s deny-all, as runc does (the last rule wins)', () => {
    const devices = bundleWith({ resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }] } }).linux?.resources?.devices ?? [];
    assert.deepEqual(devices.slice(0, 2), [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }]);
    const allowed = devices.slice(2);
    assert.ok(allowed.every((rule) => rule.allow));
    for (const [major, minor] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 2]]) {
      assert.ok(allowed.some((rule) => rule.type === 'c' && rule.major === major && rule.minor === minor && rule.access === 'rwm'), `c ${major}:${minor}`);
    }
    assert.ok(allowed.some((rule) => rule.type === 'c' && rule.major === 136 && rule.minor === undefined), 'the PTY slaves');
  });

  it('adds no device rules where the spec has none (no device cgroup asked for)', () => {
    assert.equal(bundleWith({}).linux?.resources, undefined);
  });
});
