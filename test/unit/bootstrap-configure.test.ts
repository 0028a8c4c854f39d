import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addSecuretty, AUTOLOGIN_DROPINS, configureTree, setRootPassword } from '../../src/bootstrap/configure.js';
import { mountsUnder, unescapeMountField } from '../../src/bootstrap/mounts.js';
import { hashPassword } from '../../src/bootstrap/password-hash.js';
import { assertContainerError, makeTempDir, writeTree } from './helpers/index.js';

describe('hashPassword', () => {
  // The test vector of the SHA-crypt specification.
  it('hashes with SHA-512 crypt through openssl', () => {
    assert.equal(hashPassword('Hello world!', 'saltstring'), '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1');
  });

  it('makes a random salt each time', () => {
    assert.match(hashPassword('pw'), /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.notEqual(hashPassword('pw'), hashPassword('pw'));
  });
});

describe('shadow and securetty edits', () => {
  const shadow = 'daemon:*:19000:0:99999:7:::\nroot:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n';
  it("sets only root's password field", () => {
    assert.equal(setRootPassword(shadow, ''), shadow.replace('root:*:', 'root::'));
    assert.equal(setRootPassword(shadow, '$6$s$h'), shadow.replace('root:*:', 'root:$6$s$h:'));
    assertContainerError(() => setRootPassword('daemon:*:1::::::\n', ''), 'no root entry');
  });
  it('adds console and pts/0 to securetty once', () => {
    assert.equal(addSecuretty('tty1\nconsole'), 'tty1\nconsole\npts/0\n');
    assert.equal(addSecuretty(''), 'console\npts/0\n');
    assert.equal(addSecuretty('console\npts/0\n'), 'console\npts/0\n');
  });
});

describe('configureTree', () => {
  const temp = makeTempDir();
  after(() => temp.remove());

  const makeTree = (name: string, extra: Record<string, string> = {}) => {
    const root = join(temp.path, name);
    writeTree(root, {
      'etc/hostname': 'buildhost\n',
      'etc/machine-id': '0123456789abcdef0123456789abcdef\n',
      'etc/shadow': 'root:*:19000:0:99999:7:::\nsystemd-network:!*:19000::::::\n',
      'var/lib/dbus/machine-id': '0123456789abcdef0123456789abcdef\n',
      'var/cache/apt/archives/libc6_2.36_amd64.deb': 'x',
      ...extra,
    });
    return root;
  };

  it('sets hostname, an empty machine-id, hosts and a passwordless root', () => {
    const root = makeTree('plain');
    configureTree(root, { hostname: 'plain' });
    assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'plain\n');
    assert.equal(readFileSync(join(root, 'etc/machine-id'), 'utf8'), '');
    assert.equal(existsSync(join(root, 'var/lib/dbus/machine-id')), false);
    assert.match(readFileSync(join(root, 'etc/hosts'), 'utf8'), /^127\.0\.1\.1\tplain$/m);
    assert.match(readFileSync(join(root, 'etc/shadow'), 'utf8'), /^root::19000:/);
    assert.equal(existsSync(join(root, 'etc/systemd/system/console-getty.service.d')), false);
    assert.equal(existsSync(join(root, 'etc/securetty')), false);
    assert.equal(existsSync(join(root, 'var/cache/apt/archives/libc6_2.36_amd64.deb')), false);
    assert.equal(statSync(root).mode & 0o777, 0o755);
    assert.equal(statSync(join(root, 'etc/hostname')).mode & 0o777, 0o644);
  });

  it('hashes a root password, keeps an existing hosts file, extends securetty, adds autologin', () => {
    const root = makeTree('full', { 'etc/hosts': '127.0.0.1 localhost mine\n', 'etc/securetty': 'tty1\n' });
    configureTree(root, { hostname: 'full', rootPassword: 'hunter2', autologin: true });
    const hash = /^root:([^:]*):/m.exec(readFileSync(join(root, 'etc/shadow'), 'utf8'))?.[1] ?? '';
    const salt = /^\$6\$([^$]+)\$/.exec(hash)?.[1] ?? '';
    assert.equal(hash, hashPassword('hunter2', salt));
    assert.equal(readFileSync(join(root, 'etc/hosts'), 'utf8'), '127.0.0.1 localhost mine\n');
    assert.equal(readFileSync(join(root, 'etc/securetty'), 'utf8'), 'tty1\nconsole\npts/0\n');
    for (const unit of Object.keys(AUTOLOGIN_DROPINS)) {
      const dropin = readFileSync(join(root, `etc/systemd/system/${unit}.d/autologin.conf`), 'utf8');
      assert.match(dropin, /^\[Service\]\nExecStart=\nExecStart=-\/sbin\/agetty --autologin root --noclear /m);
    }
    assert.match(
      readFileSync(join(root, 'etc/systemd/system/console-getty.service.d/autologin.conf'), 'utf8'),
      /--keep-baud - 115200,38400,9600 \$TERM\n$/,
    );
  });

  it('replaces a symlinked /etc/hostname instead of writing through it', () => {
    const root = makeTree('linked');
    const outside = join(temp.path, 'outside-hostname');
    writeTree(temp.path, { 'outside-hostname': 'untouched\n' });
    execFileSync('rm', [join(root, 'etc/hostname')]);
    symlinkSync(outside, join(root, 'etc/hostname'));
    configureTree(root, { hostname: 'linked' });
    assert.equal(readFileSync(outside, 'utf8'), 'untouched\n');
    assert.equal(lstatSync(join(root, 'etc/hostname')).isFile(), true);
  });

  it('fails clearly on a tree without /etc/shadow', () => {
    const root = join(temp.path, 'empty');
    writeTree(root, { 'etc/.keep': '' });
    assertContainerError(() => configureTree(root, { hostname: 'x' }), "cannot read the new tree's /etc/shadow");
  });
});

describe('mountsUnder', () => {
  const mounts = [
    'proc /proc proc rw 0 0',
    'proc /srv/deb.tmp-abc/proc proc rw 0 0',
    'sysfs /srv/deb.tmp-abc/sys sysfs rw 0 0',
    'devpts /srv/deb.tmp-abc/dev/pts devpts rw 0 0',
    'tmpfs /srv/deb.tmp-abcdef tmpfs rw 0 0',
    'tmpfs /srv/with\\040space/x tmpfs rw 0 0',
  ].join('\n');
  it('lists mounts at or below a path, deepest first', () => {
    assert.deepEqual(mountsUnder('/srv/deb.tmp-abc', mounts), ['/srv/deb.tmp-abc/dev/pts', '/srv/deb.tmp-abc/proc', '/srv/deb.tmp-abc/sys']);
    assert.deepEqual(mountsUnder('/srv/deb.tmp-abcdef', mounts), ['/srv/deb.tmp-abcdef']);
    assert.deepEqual(mountsUnder('/srv/with space', mounts), ['/srv/with space/x']);
    assert.deepEqual(mountsUnder('/srv/other', mounts), []);
  });
  it('decodes octal escapes', () => {
    assert.equal(unescapeMountField('/a\\040b\\011c\\134d'), '/a b\tc\\d');
  });
});
