import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  aptListName,
  cachedOrigin,
  hostDebianMirror,
  isMainArchiveSuite,
  parseDeb822Sources,
  parseOneLineSources,
  pickMainMirror,
  readAptSources,
} from '../../src/bootstrap/apt-sources.js';
import { makeTempDir, writeTree } from './helpers/index.js';

describe('parseOneLineSources', () => {
  it('reads type, URI, suite and components, skipping comments and blank lines', () => {
    const text = [
      '# the main archive',
      '',
      'deb http://mirror.example/debian bookworm main contrib   # trailing comment',
      '  deb-src http://mirror.example/debian bookworm main',
      '#deb http://old.example/debian buster main',
    ].join('\n');
    assert.deepEqual(parseOneLineSources(text, 'f'), [
      { type: 'deb', uri: 'http://mirror.example/debian', suite: 'bookworm', components: ['main', 'contrib'], file: 'f' },
      { type: 'deb-src', uri: 'http://mirror.example/debian', suite: 'bookworm', components: ['main'], file: 'f' },
    ]);
  });

  it('skips options in brackets, with or without inner spaces', () => {
    const text = [
      'deb [arch=amd64 signed-by=/usr/share/keyrings/example.gpg] https://a.example/debian trixie main',
      'deb [ trusted=yes ] http://b.example/debian sid main',
    ].join('\n');
    const sources = parseOneLineSources(text);
    assert.deepEqual(
      sources.map((s) => [s.uri, s.suite, s.components]),
      [
        ['https://a.example/debian', 'trixie', ['main']],
        ['http://b.example/debian', 'sid', ['main']],
      ],
    );
  });

  it('ignores malformed lines', () => {
    assert.deepEqual(parseOneLineSources('deb\ndeb http://x.example/debian\ndeb [arch=amd64 http://x.example/debian bookworm main\nrpm http://x.example bookworm main'), []);
  });
});

describe('parseDeb822Sources', () => {
  it('expands every type, URI and suite of a stanza, skipping comments and disabled stanzas', () => {
    const text = [
      'Types: deb deb-src',
      '# a comment inside the stanza',
      'URIs: http://mirror.example/debian https://other.example/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main non-free-firmware',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      '',
      'Types: deb',
      'URIs: http://security.example/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Enabled: no',
      'Types: deb',
      'URIs: http://disabled.example/debian',
      'Suites: bookworm',
      'Components: main',
    ].join('\n');
    const sources = parseDeb822Sources(text, 'debian.sources');
    assert.equal(sources.length, 2 * 2 * 2 + 1);
    assert.deepEqual(sources[0], {
      type: 'deb',
      uri: 'http://mirror.example/debian',
      suite: 'bookworm',
      components: ['main', 'non-free-firmware'],
      file: 'debian.sources',
    });
    assert.deepEqual(sources.map((s) => `${s.type} ${s.uri} ${s.suite}`).slice(0, 4), [
      'deb http://mirror.example/debian bookworm',
      'deb http://mirror.example/debian bookworm-updates',
      'deb https://other.example/debian bookworm',
      'deb https://other.example/debian bookworm-updates',
    ]);
    assert.ok(!sources.some((s) => s.uri.includes('disabled')));
  });

  it('joins continuation lines and takes field names in any case', () => {
    const text = 'types: deb\nURIS: http://a.example/debian\n  http://b.example/debian\nSuites:\n bookworm\ncomponents: main\n';
    assert.deepEqual(
      parseDeb822Sources(text).map((s) => [s.uri, s.suite]),
      [
        ['http://a.example/debian', 'bookworm'],
        ['http://b.example/debian', 'bookworm'],
      ],
    );
  });
});

describe('isMainArchiveSuite', () => {
  it('accepts Debian releases and their -updates', () => {
    for (const suite of ['bookworm', 'trixie', 'sid', 'stable', 'unstable', 'bookworm-updates', 'bookworm-proposed-updates']) {
      assert.equal(isMainArchiveSuite(suite), true, suite);
    }
  });
  it('rejects security, backports and other suites', () => {
    for (const suite of ['bookworm-security', 'bullseye/updates', 'bookworm-backports', 'bullseye-backports-sloppy', 'nodistro', 'cloud-sdk-bookworm', 'jammy']) {
      assert.equal(isMainArchiveSuite(suite), false, suite);
    }
  });
  it('accepts extra names (the host code name, the target suite)', () => {
    assert.equal(isMainArchiveSuite('newrelease', ['newrelease']), true);
    assert.equal(isMainArchiveSuite('newrelease-updates', ['newrelease']), true);
    assert.equal(isMainArchiveSuite('newrelease-security', ['newrelease']), false);
  });
});

describe('pickMainMirror', () => {
  const entry = (type: string, uri: string, suite: string, components = ['main']) => ({ type, uri, suite, components, file: 'f' });

  it('takes the first deb entry of the main archive', () => {
    const sources = [
      entry('deb-src', 'http://src.example/debian', 'bookworm'),
      entry('deb', 'cdrom:[Debian GNU/Linux 12]/', 'bookworm'),
      entry('deb', 'http://security.example/debian-security', 'bookworm-security'),
      entry('deb', 'http://backports.example/debian', 'bookworm-backports'),
      entry('deb', 'https://vendor.example/apt', 'nodistro'),
      entry('deb', 'https://vendor2.example/apt', 'bookworm', ['stable']),
      entry('deb', 'http://mirror.example/debian', 'bookworm'),
      entry('deb', 'http://later.example/debian', 'bookworm'),
    ];
    assert.equal(pickMainMirror(sources)?.uri, 'http://mirror.example/debian');
  });

  it('passes over entries whose cached Release file is not Debian\'s', () => {
    const sources = [entry('deb', 'http://vendor.example/apt', 'bookworm'), entry('deb', 'http://mirror.example/debian', 'bookworm')];
    const origins: Record<string, string> = { 'http://vendor.example/apt': 'Vendor', 'http://mirror.example/debian': 'Debian' };
    assert.equal(pickMainMirror(sources, { originOf: (s) => origins[s.uri] })?.uri, 'http://mirror.example/debian');
    assert.equal(pickMainMirror(sources, { originOf: () => undefined })?.uri, 'http://vendor.example/apt');
  });

  it('finds nothing in an empty or foreign configuration', () => {
    assert.equal(pickMainMirror([]), undefined);
    assert.equal(pickMainMirror([entry('deb', 'http://x.example/ubuntu', 'jammy')]), undefined);
  });
});

describe('apt lists', () => {
  it('names cached Release files as apt does', () => {
    assert.equal(aptListName('http://mirror.example/debian', 'bookworm', 'InRelease'), 'mirror.example_debian_dists_bookworm_InRelease');
    assert.equal(aptListName('https://user:pw@mirror.example/debian/', 'sid', 'Release'), 'mirror.example_debian_dists_sid_Release');
  });
});

describe('reading the host files', () => {
  const temp = makeTempDir();
  after(() => temp.remove());

  it('reads sources.list, then *.list and *.sources in name order, ignoring other files', () => {
    const etc = `${temp.path}/etc-apt`;
    writeTree(etc, {
      'sources.list': '# nothing here but a comment\ndeb cdrom:[Debian]/ bookworm main\n',
      'sources.list.d/b-vendor.list': 'deb https://vendor.example/apt cloud-sdk-bookworm main\n',
      'sources.list.d/a-debian.sources':
        'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n' +
        'Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\nComponents: main\n',
      'sources.list.d/c.sources.disabled': 'Types: deb\nURIs: http://disabled.example/debian\nSuites: bookworm\nComponents: main\n',
    });
    const sources = readAptSources(etc);
    assert.deepEqual(
      sources.map((s) => s.uri),
      ['cdrom:[Debian]/', 'http://mirror.example/debian', 'http://mirror.example/debian', 'http://security.example/debian-security', 'https://vendor.example/apt'],
    );
    assert.equal(hostDebianMirror([], etc, `${temp.path}/no-lists`)?.uri, 'http://mirror.example/debian');
  });

  it('uses the Origin of the cached Release files', () => {
    const etc = `${temp.path}/etc-apt-2`;
    const lists = `${temp.path}/lists`;
    writeTree(etc, {
      'sources.list': 'deb http://vendor.example/apt bookworm main\ndeb http://mirror.example/debian bookworm main\n',
    });
    writeTree(lists, {
      'vendor.example_apt_dists_bookworm_InRelease': '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Vendor\nLabel: Vendor\n',
      'mirror.example_debian_dists_bookworm_Release': 'Origin: Debian\nLabel: Debian\nSuite: stable\n',
    });
    assert.equal(cachedOrigin({ type: 'deb', uri: 'http://vendor.example/apt', suite: 'bookworm', components: [], file: '' }, lists), 'Vendor');
    assert.equal(hostDebianMirror([], etc, lists)?.uri, 'http://mirror.example/debian');
  });

  it('finds nothing without apt configuration', () => {
    assert.deepEqual(readAptSources(`${temp.path}/none`), []);
    assert.equal(hostDebianMirror([], `${temp.path}/none`), undefined);
  });
});
