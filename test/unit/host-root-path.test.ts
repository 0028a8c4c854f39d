import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveInRoot } from '../../src/host/root-path.js';
import { makeTempDir, writeTree } from './helpers/index.js';

describe('resolveInRoot', () => {
  const temp = makeTempDir();
  // <temp>/root is the container tree; <temp>/outside is on the host, beside it.
  const root = join(temp.path, 'root');
  const outside = join(temp.path, 'outside');

  before(() => {
    writeTree(root, {
      'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
      'usr/lib/os-release': 'ID=test\n',
      'data/file': 'inside\n',
    });
    writeTree(outside, { secret: 'host secret\n' });
    mkdirSync(join(root, 'a/b'), { recursive: true });
    // Absolute links, as the container sees them.
    symlinkSync('/usr/lib/os-release', join(root, 'etc/os-release'));
    symlinkSync('/etc', join(root, 'etc-link'));
    symlinkSync(join(outside, 'secret'), join(root, 'to-host-secret'));
    // Relative links.
    symlinkSync('lib/os-release', join(root, 'usr/os-release'));
    symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release-rel'));
    symlinkSync('../../../../../../outside/secret', join(root, 'a/b/escape'));
    symlinkSync('../../../../../../data/file', join(root, 'a/b/clamped'));
    symlinkSync('../../data', join(root, 'a/b/data-dir'));
    // Links that go nowhere.
    symlinkSync('/no/such/file', join(root, 'dangling'));
    symlinkSync('loop-b', join(root, 'loop-a'));
    symlinkSync('loop-a', join(root, 'loop-b'));
    symlinkSync('self', join(root, 'self'));
  });

  after(() => temp.remove());

  it('resolves a plain path to its host path', () => {
    assert.equal(resolveInRoot(root, '/etc/passwd'), join(root, 'etc/passwd'));
    assert.equal(resolveInRoot(root, 'etc/passwd'), join(root, 'etc/passwd'));
    assert.equal(resolveInRoot(root, '/'), root);
  });

  it('handles . and .. in the path itself without leaving the root', () => {
    assert.equal(resolveInRoot(root, '/etc/./../etc/passwd'), join(root, 'etc/passwd'));
    assert.equal(resolveInRoot(root, '/../../../etc/passwd'), join(root, 'etc/passwd'));
  });

  it('resolves an absolute symlink inside the root, not on the host', () => {
    assert.equal(resolveInRoot(root, '/etc/os-release'), join(root, 'usr/lib/os-release'));
    assert.equal(resolveInRoot(root, '/etc-link/passwd'), join(root, 'etc/passwd'));
  });

  it('does not follow an absolute symlink to a host path that exists only on the host', () => {
    assert.equal(resolveInRoot(root, '/to-host-secret'), undefined);
  });

  it('resolves a relative symlink from the directory that holds it', () => {
    assert.equal(resolveInRoot(root, '/usr/os-release'), join(root, 'usr/lib/os-release'));
    assert.equal(resolveInRoot(root, '/etc/os-release-rel'), join(root, 'usr/lib/os-release'));
    assert.equal(resolveInRoot(root, '/a/b/data-dir/file'), join(root, 'data/file'));
  });

  it('keeps .. in a relative symlink from climbing above the root', () => {
    // On the host, a/b/escape would reach <temp>/outside/secret.
    assert.equal(resolveInRoot(root, '/a/b/escape'), undefined);
    assert.equal(resolveInRoot(root, '/a/b/clamped'), join(root, 'data/file'));
  });

  it('returns undefined for a missing path or a dangling link', () => {
    assert.equal(resolveInRoot(root, '/etc/shadow'), undefined);
    assert.equal(resolveInRoot(root, '/no/such/dir/file'), undefined);
    assert.equal(resolveInRoot(root, '/dangling'), undefined);
  });

  it('returns undefined below a file that is not a directory', () => {
    assert.equal(resolveInRoot(root, '/etc/passwd/x'), undefined);
  });

  it('returns undefined for a symlink loop', () => {
    assert.equal(resolveInRoot(root, '/loop-a'), undefined);
    assert.equal(resolveInRoot(root, '/self'), undefined);
    assert.equal(resolveInRoot(root, '/loop-b/etc'), undefined);
  });

  it('follows a chain of up to 40 links but not 41', () => {
    const chain = join(root, 'chain');
    mkdirSync(chain);
    writeFileSync(join(chain, 'end'), 'end\n');
    // link0 -> link1 -> ... -> link40 -> end: 41 links from link0, 40 from link1.
    for (let i = 0; i <= 40; i++) symlinkSync(i === 40 ? 'end' : `link${i + 1}`, join(chain, `link${i}`));
    assert.equal(resolveInRoot(root, '/chain/link1'), join(chain, 'end'));
    assert.equal(resolveInRoot(root, '/chain/link0'), undefined);
  });
});
