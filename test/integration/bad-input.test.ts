/** Bad input: one clear line, exit 125, and nothing changed on the host. */
import { userNamespaceRefusal } from '../../src/host/user-namespaces.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, collect, runCli } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeTestNetwork, type TestNetwork } from '../helpers/netns.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';

describe('bad input', () => {
  let tree: TestRoot;
  let noInit: TestRoot;
  let net: TestNetwork;
  let state: HostState;

  before(() => {
    tree = makeBusyboxRoot();
    noInit = makeBusyboxRoot();
    rmSync(join(noInit.root, 'sbin/init'));
    net = makeTestNetwork(['10.99.0.1/24']);
    state = hostState();
  });
  after(async () => {
    try {
      await assertHostUnchanged(state);
    } finally {
      net.remove();
      tree.remove();
      noInit.remove();
    }
  });

  const cases: Array<[string, () => string[], RegExp, boolean?]> = [
    ['a missing root directory', () => ['run', '-D', '/nonexistent/tree', 'true'], /root directory '\/nonexistent\/tree' does not exist/],
    ['a root that is a file', () => ['run', '-D', join(tree.root, 'etc/passwd'), 'true'], /is not a directory/],
    ['boot without /sbin/init', () => ['boot', '-D', noInit.root], /no executable \/sbin\/init: is this an OS tree\? did you install systemd-sysv\?/],
    ['an unknown option', () => ['run', '-D', tree.root, '--frobnicate', 'true'], /unknown option '--frobnicate'/],
    ['no command', () => ['run', '-D', tree.root], /run: no command given: say what to run after the options/],
    ['no directory', () => ['run', 'true'], /run: -D\/--directory DIR is required/],
    ['a malformed address', () => ['run', '-D', tree.root, '--network-bridge', 'tsnbr0', '--address', '10.99.0.300/24', 'true'], /invalid address '10\.99\.0\.300\/24'/, true],
    ['a bad prefix', () => ['run', '-D', tree.root, '--network-bridge', 'tsnbr0', '--address', '10.99.0.2/40', 'true'], /invalid prefix length/, true],
    ['a gateway outside the subnet', () => ['run', '-D', tree.root, '--network-bridge', 'tsnbr0', '--address', '10.99.0.2/24', '--gateway', '10.98.0.1', 'true'], /gateway 10\.98\.0\.1 is outside/, true],
    ['a missing bridge', () => ['run', '-D', tree.root, '--network-bridge', 'nosuchbr', '--address', '10.99.0.2/24', 'true'], /bridge 'nosuchbr' does not exist: create it with 'ip link add name nosuchbr type bridge/, true],
    ['a device that is not a bridge', () => ['run', '-D', tree.root, '--network-bridge', 'lo', '--address', '10.99.0.2/24', 'true'], /'lo' is not a bridge/, true],
    ['a missing bind source', () => ['run', '-D', tree.root, '--bind', '/nonexistent/src:/mnt', 'true'], /bind source '\/nonexistent\/src' does not exist/],
    ['a bad --setenv', () => ['run', '-D', tree.root, '-E', 'NOVALUE', 'true'], /invalid --setenv 'NOVALUE'/],
    ['an unknown user name', () => ['run', '-D', tree.root, '-u', 'nobody-here', 'true'], /user 'nobody-here' does not exist/],
    ['an sh-nspawn form without -a', () => ['-p', tree.root, '-b', 'tsnbr0'], /-b needs -a/],
    ['a bad working directory', () => ['run', '-D', tree.root, '--chdir', '/no/such/dir', 'true'], /changing to the working directory \/no\/such\/dir: no such file or directory \(ENOENT\)$/i],
  ];

  for (const [what, args, message, inNetns] of cases) {
    it(`rejects ${what}`, async () => {
      const result = await runCli(args(), inNetns ? { netns: net.name } : {});
      assert.equal(result.status, 125, result.stderr);
      assert.equal(result.stdout, '');
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
      assert.match(lines[0] ?? '', /^ts-nspawn: /);
      assert.match(lines[0] ?? '', message);
    });
  }

  it('without root (rootless) and without XDG_RUNTIME_DIR, says in one line where state would live', { skip: userNamespaceRefusal() && 'no user namespace can be made here (a chroot?): rootless mode is refused first' }, async () => {
    // CAP_DAC_READ_SEARCH (and nothing else) lets nobody reach the CLI
    // wherever the checkout lives, e.g. under /root (mode 0700).
    const reach = ['--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search'];
    const env = { ...process.env, XDG_RUNTIME_DIR: undefined, TS_NSPAWN_STATE_DIR: undefined };
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...reach, '--', CLI, 'run', '-D', tree.root, 'true'], { env });
    const result = await collect(child);
    assert.equal(result.status, 125, result.stderr);
    assert.match(result.stderr, /^ts-nspawn: rootless state lives in \$XDG_RUNTIME_DIR\/ts-nspawn, and XDG_RUNTIME_DIR is not set: .*TS_NSPAWN_STATE_DIR\n$/);
  });
});
