import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readBundle } from '../../src/runc/bundle.js';
import { makeTempDir } from './helpers/index.js';

describe('readBundle', () => {
  const temp = makeTempDir();
  after(() => temp.remove());
  const bundleWith = (linux: object, ociVersion = '1.0.2-dev') => {
    writeFileSync(join(temp.path, 'config.json'), JSON.stringify({ ociVersion, root: { path: 'rootfs' }, process: { cwd: '/', args: ['sh'] }, linux }));
    return readBundle(temp.path).spec;
  };

  it('takes every runtime-spec 1.x version and refuses another major', () => {
    for (const version of ['1.0.0', '1.0.2-dev', '1.2.0', '1.3.0', '1.3.7']) assert.equal(bundleWith({}, version).ociVersion, version);
    for (const version of ['2.0.0', '0.6.0', '', 'one']) {
      assert.throws(() => bundleWith({}, version), /ociVersion .* is not supported: ts-runc runs runtime-spec 1\.x bundles/);
    }
  });

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
