import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveUser } from '../../src/oci/user.js';
import { assertContainerError, makeTempDir, writeTree } from './helpers/index.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  '# a comment line',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'alice:x:1000:1001:Alice:/home/alice:/bin/sh',
  'nohome:x:1002:1002:No Home::/bin/sh',
  'broken:x:notanumber:5:Broken:/broken:/bin/sh',
  '',
].join('\n');

const GROUP = ['root:x:0:', 'tty:x:5:', 'staff:x:50:alice,bob', 'users:x:100:', ''].join('\n');

describe('resolveUser', () => {
  const temp = makeTempDir();
  const root = join(temp.path, 'root');
  const empty = join(temp.path, 'empty');
  const linked = join(temp.path, 'linked');

  before(() => {
    writeTree(root, { 'etc/passwd': PASSWD, 'etc/group': GROUP });
    mkdirSync(empty);
    // /etc/passwd as an absolute symlink, which must be read inside the tree.
    writeTree(linked, { 'usr/etc/passwd': 'bob:x:2000:2000:Bob:/home/bob:/bin/sh\n', 'usr/etc/group': 'wheel:x:10:\n' });
    mkdirSync(join(linked, 'etc'));
    symlinkSync('/usr/etc/passwd', join(linked, 'etc/passwd'));
    symlinkSync('/usr/etc/group', join(linked, 'etc/group'));
  });

  after(() => temp.remove());

  it('resolves root by number, with its home from passwd', () => {
    assert.deepEqual(resolveUser('0', root), { uid: 0, gid: 0, home: '/root' });
  });

  it('resolves a numeric UID listed in passwd to its gid and home', () => {
    assert.deepEqual(resolveUser('1000', root), { uid: 1000, gid: 1001, home: '/home/alice' });
  });

  it('takes an unlisted numeric UID as UID:UID with home /', () => {
    assert.deepEqual(resolveUser('4242', root), { uid: 4242, gid: 4242, home: '/' });
  });

  it('gives uid 0 the home /root when there is no passwd', () => {
    assert.deepEqual(resolveUser('0', empty), { uid: 0, gid: 0, home: '/root' });
    assert.deepEqual(resolveUser('7:8', empty), { uid: 7, gid: 8, home: '/' });
  });

  it('resolves UID:GID numerically, the GID overriding passwd', () => {
    assert.deepEqual(resolveUser('1000:5', root), { uid: 1000, gid: 5, home: '/home/alice' });
    assert.deepEqual(resolveUser('33:44', root), { uid: 33, gid: 44, home: '/' });
  });

  it('resolves a user name from passwd', () => {
    assert.deepEqual(resolveUser('alice', root), { uid: 1000, gid: 1001, home: '/home/alice' });
    assert.deepEqual(resolveUser('daemon', root), { uid: 1, gid: 1, home: '/usr/sbin' });
  });

  it('uses / as home when the passwd entry has an empty one', () => {
    assert.deepEqual(resolveUser('nohome', root), { uid: 1002, gid: 1002, home: '/' });
  });

  it('resolves NAME:GROUP through the group file', () => {
    assert.deepEqual(resolveUser('alice:staff', root), { uid: 1000, gid: 50, home: '/home/alice' });
    assert.deepEqual(resolveUser('alice:100', root), { uid: 1000, gid: 100, home: '/home/alice' });
    assert.deepEqual(resolveUser('0:tty', root), { uid: 0, gid: 5, home: '/root' });
  });

  it('reads account files through absolute symlinks inside the tree', () => {
    assert.deepEqual(resolveUser('bob:wheel', linked), { uid: 2000, gid: 10, home: '/home/bob' });
  });

  it('rejects an unknown user name, quoting it', () => {
    assertContainerError(() => resolveUser('mallory', root), "user 'mallory' does not exist", '/etc/passwd');
    assertContainerError(() => resolveUser('alice', empty), "user 'alice' does not exist");
  });

  it('does not take a line with a non-numeric UID as an account', () => {
    assertContainerError(() => resolveUser('broken', root), "user 'broken' does not exist");
  });

  it('rejects an unknown group name, quoting it', () => {
    assertContainerError(() => resolveUser('alice:wheel', root), "group 'wheel' does not exist", '/etc/group');
  });

  it('rejects malformed values, quoting them', () => {
    for (const text of ['a:b:c', ':5', '5:', '', ':', '1:2:3']) {
      assertContainerError(() => resolveUser(text, root), `invalid --user '${text}'`, 'UID[:GID] or NAME[:GROUP]');
    }
  });

  it('rejects IDs above 4294967294', () => {
    assert.deepEqual(resolveUser('4294967294', empty), { uid: 4294967294, gid: 4294967294, home: '/' });
    assertContainerError(() => resolveUser('4294967295', empty), "invalid --user '4294967295'", '4294967294');
    assertContainerError(() => resolveUser('0:4294967295', empty), "invalid --user '0:4294967295'");
  });
});
