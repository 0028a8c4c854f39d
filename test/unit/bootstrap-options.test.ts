import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseTool } from '../../src/bootstrap/bootstrap.js';
import { debootstrapArgs, mmdebstrapArgs } from '../../src/bootstrap/command.js';
import { defaultSuiteFrom, parseOsRelease } from '../../src/bootstrap/host.js';
import { BASE_PACKAGES, resolveBootstrap, type BootstrapOptions, type HostFacts } from '../../src/bootstrap/options.js';
import { assertContainerError } from './helpers/index.js';

const MIRROR = 'http://mirror.example/debian';
const host: HostFacts = { defaultSuite: 'bookworm', arch: 'amd64', findMirror: () => MIRROR };
const plan = (options: Partial<BootstrapOptions>, facts: HostFacts = host) => resolveBootstrap({ directory: '/srv/machines/deb', ...options }, facts);

describe('defaultSuiteFrom (os-release)', () => {
  it("takes a Debian host's code name", () => {
    assert.equal(defaultSuiteFrom('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_CODENAME=trixie\nID=debian\n'), 'trixie');
    assert.equal(defaultSuiteFrom("ID='debian'\nVERSION_CODENAME=\"bookworm\"\n"), 'bookworm');
  });
  it('falls back to bookworm elsewhere', () => {
    assert.equal(defaultSuiteFrom('ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n'), 'bookworm');
    assert.equal(defaultSuiteFrom('ID=debian\n'), 'bookworm');
    assert.equal(defaultSuiteFrom('ID=debian\nVERSION_CODENAME=Bad Name\n'), 'bookworm');
    assert.equal(defaultSuiteFrom(''), 'bookworm');
    assert.equal(defaultSuiteFrom(undefined), 'bookworm');
  });
  it('parses quotes, escapes and comments', () => {
    assert.deepEqual(parseOsRelease('# comment\nNAME="A \\"quoted\\" name"\nX=\'single\'\nY=plain  \n'), {
      NAME: 'A "quoted" name',
      X: 'single',
      Y: 'plain',
    });
  });
});

describe('resolveBootstrap', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(plan({}), {
      directory: '/srv/machines/deb',
      hostname: 'deb',
      suite: 'bookworm',
      variant: 'minbase',
      arch: 'amd64',
      mirror: MIRROR,
      packages: [...BASE_PACKAGES],
      autologin: false,
      force: false,
    });
  });

  it('takes the given values, adding extra packages once', () => {
    const result = plan({
      directory: 'relative/My_Machine.1',
      suite: 'trixie',
      variant: 'standard',
      arch: 'arm64',
      mirror: 'https://other.example/debian/',
      include: ['less,openssh-server', ' vim-tiny ', 'dbus', 'less', 'libc6:arm64', 'bash=5.2.15-2+b2', 'systemd/trixie-backports,,'],
      rootPassword: 'pw with spaces',
      autologin: true,
      force: true,
    });
    assert.equal(result.directory, `${process.cwd()}/relative/My_Machine.1`);
    assert.equal(result.hostname, 'My-Machine-1');
    assert.deepEqual(result.packages, [...BASE_PACKAGES, 'less', 'openssh-server', 'vim-tiny', 'libc6:arm64', 'bash=5.2.15-2+b2', 'systemd/trixie-backports']);
    assert.equal(result.mirror, 'https://other.example/debian/');
    assert.equal(result.rootPassword, 'pw with spaces');
    assert.equal(result.autologin, true);
    assert.equal(result.force, true);
  });

  it('asks the host for a mirror for the chosen suite', () => {
    const asked: string[] = [];
    plan({ suite: 'sid' }, { ...host, findMirror: (suite) => (asked.push(suite), MIRROR) });
    assert.deepEqual(asked, ['sid']);
  });

  it('rejects bad input with one clear line', () => {
    const cases: Array<[Partial<BootstrapOptions>, string]> = [
      [{ directory: '' }, 'no directory given'],
      [{ directory: '/' }, "refusing to bootstrap into '/'"],
      [{ directory: '/srv/a\nb' }, 'control character'],
      [{ suite: 'Bookworm' }, "invalid suite 'Bookworm'"],
      [{ suite: '--help' }, "invalid suite '--help'"],
      [{ suite: 'book worm' }, "invalid suite 'book worm'"],
      [{ suite: '../etc' }, "invalid suite '../etc'"],
      [{ variant: 'extract' }, "invalid variant 'extract': choose one of"],
      [{ variant: 'tiny' }, "invalid variant 'tiny'"],
      [{ arch: 'AMD64' }, "invalid architecture 'AMD64'"],
      [{ include: ['ok-pkg,Bad_Pkg'] }, "invalid package 'Bad_Pkg' in --include"],
      [{ include: ['two words'] }, "invalid package 'two words'"],
      [{ include: ['--allow-downgrades'] }, "invalid package '--allow-downgrades'"],
      [{ include: ['?essential'] }, "invalid package '?essential'"],
      [{ include: ['a'] }, "invalid package 'a'"],
      [{ mirror: 'mirror.example/debian' }, "invalid --mirror 'mirror.example/debian'"],
      [{ mirror: 'http://mirror.example/deb ian' }, 'invalid --mirror'],
      [{ mirror: 'cdrom://x' }, 'invalid --mirror'],
      [{ rootPassword: '' }, 'empty --root-password'],
      [{ rootPassword: 'a\nb' }, 'invalid --root-password'],
    ];
    for (const [options, message] of cases) assertContainerError(() => plan(options), message);
  });

  it('says what to do when the host has no Debian mirror', () => {
    assertContainerError(() => plan({}, { ...host, findMirror: () => undefined }), "no Debian mirror found in the host's apt sources", '--mirror URL');
    assert.equal(plan({ mirror: MIRROR }, { ...host, findMirror: () => undefined }).mirror, MIRROR);
  });
});

describe('tool command lines', () => {
  it('builds the mmdebstrap arguments', () => {
    const p = plan({ include: ['less'], variant: 'minbase', arch: 'amd64', suite: 'trixie' });
    assert.deepEqual(mmdebstrapArgs(p, '/srv/machines/deb.tmp-abc'), [
      '--mode=unshare',
      '--format=directory',
      '--variant=minbase',
      '--architectures=amd64',
      '--components=main',
      '--include=systemd-sysv,iproute2,iputils-ping,procps,dbus,less',
      '--verbose',
      '--',
      'trixie',
      '/srv/machines/deb.tmp-abc',
      MIRROR,
    ]);
  });

  it('builds the debootstrap arguments, mapping the variant', () => {
    assert.deepEqual(debootstrapArgs(plan({}), '/t'), [
      '--variant=minbase',
      '--arch=amd64',
      '--components=main',
      '--include=systemd-sysv,iproute2,iputils-ping,procps,dbus',
      'bookworm',
      '/t',
      MIRROR,
    ]);
    assert.equal(debootstrapArgs(plan({ variant: 'important' }), '/t')[0], '--arch=amd64');
    assertContainerError(() => debootstrapArgs(plan({ variant: 'standard' }), '/t'), "variant 'standard' needs mmdebstrap", 'apt-get install mmdebstrap');
  });
});

describe('chooseTool', () => {
  const installed = (...names: string[]) => (name: string) => (names.includes(name) ? `/usr/bin/${name}` : undefined);
  it('prefers mmdebstrap, falls back to debootstrap', () => {
    assert.deepEqual(chooseTool(undefined, installed('mmdebstrap', 'debootstrap')), { name: 'mmdebstrap', path: '/usr/bin/mmdebstrap' });
    assert.deepEqual(chooseTool(undefined, installed('debootstrap')), { name: 'debootstrap', path: '/usr/bin/debootstrap' });
    assert.deepEqual(chooseTool('debootstrap', installed('mmdebstrap', 'debootstrap')), { name: 'debootstrap', path: '/usr/bin/debootstrap' });
  });
  it('says what to install when there is none', () => {
    assertContainerError(() => chooseTool(undefined, installed()), 'neither mmdebstrap nor debootstrap is installed', "apt-get install mmdebstrap");
    assertContainerError(() => chooseTool('debootstrap', installed('mmdebstrap')), "debootstrap is not installed: install it with 'apt-get install debootstrap'");
  });
});
