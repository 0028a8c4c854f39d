/**
 * User-mode networking (--network=pasta, --network=slirp4netns), as root
 * and rootless, entirely inside a network namespace the test makes
 * (helpers/user-network.ts): the helpers' sockets live there, so the
 * container can reach only the test's own servers. The container gets an
 * interface, a default route and a resolv.conf naming the helper's DNS
 * forwarder; reaches a TCP server and resolves a name through a DNS server
 * of the test; cannot reach the namespace's loopback; gets published
 * ports; and its helper ends with it, in the foreground and detached.
 */
import { userNamespaceRefusal } from '../../src/host/user-namespaces.js';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, collect, type CliResult } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';
import { makeRootlessUser, type RootlessUser } from '../helpers/rootless-user.js';
import { inTestNetwork, makeUserTestNetwork, SERVER, UPLINK, type PrivateMounts, type UserTestNetwork } from '../helpers/user-network.js';

const HELPERS = ['pasta', 'slirp4netns'] as const;
const NAME = 'web.tsn.test';
const NAME_ADDRESS = '10.55.0.7';
const ECHO_PORT = 7777;
const LOOPBACK_PORT = 7778;

/** What the container sees of its network, and a TCP round trip and a name look-up through it. */
const PROBE = [
  'ip -o -4 addr show | grep -v " lo "',
  'ip route show default',
  'cat /etc/resolv.conf',
  // The echo server closes after its answer: stdin stays open until then (pasta of 2023 repeats data to a client that half-closed first).
  `(echo ping; sleep 1) | nc -w 5 ${SERVER.address} ${ECHO_PORT}`,
  `nslookup ${NAME} | grep -A1 "^Name:" | tail -1`,
].join('; ');

/** Tries the namespace's loopback server from inside, through the gateway and through its own loopback. */
const LOOPBACK_ATTEMPTS = (gateway: string) =>
  `for target in ${gateway} 127.0.0.1; do if (echo x; sleep 1) | nc -w 2 $target ${LOOPBACK_PORT} | grep -q echo; then echo reached-$target; else echo refused-$target; fi; done`;

const oneLine = (result: CliResult) => {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  return result.stderr.trim();
};

describe('user-mode networking', () => {
  let tree: TestRoot;
  let net: UserTestNetwork;
  let state: HostState;
  let resolvConf: string;
  const detached = new Set<string>();

  const run = (args: string[], mounts: PrivateMounts = {}, timeoutMs = 30_000) =>
    collect(spawn(...split(inTestNetwork(net.name, { resolvConf, ...mounts }, [CLI, ...args]))), { timeoutMs });

  before(async () => {
    state = hostState();
    tree = makeBusyboxRoot();
    net = makeUserTestNetwork();
    resolvConf = join(tree.base, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${SERVER.address}\nsearch tsn.test\noptions ndots:1\n`);
    await net.server(['echo', SERVER.address, String(ECHO_PORT)]);
    await net.server(['echo', '127.0.0.1', String(LOOPBACK_PORT)]);
    await net.server(['dns', SERVER.address, '53', NAME, NAME_ADDRESS]);
  });
  after(async () => {
    try {
      for (const name of detached) await run(['rm', '-f', name]);
      assert.deepEqual(net.helpers(), [], 'no helper left running');
    } finally {
      try {
        net.remove();
        await assertHostUnchanged(state);
      } finally {
        tree.remove();
      }
    }
  });

  it('pasta: an interface with the uplink\'s address, its default route, the forwarder in resolv.conf; TCP and DNS reach the test\'s servers', async () => {
    const result = await run(['run', '-D', tree.root, '--network=pasta', '/bin/sh', '-c', PROBE]);
    assert.equal(result.status, 0, result.stderr);
    // pasta copies the uplink's address and gateway into the container.
    assert.match(result.stdout, new RegExp(`^\\d+: tsnup0\\s+inet ${UPLINK.address.replaceAll('.', '\\.')}/${UPLINK.prefix} `, 'm'));
    assert.match(result.stdout, new RegExp(`^default via ${UPLINK.gateway.replaceAll('.', '\\.')} dev tsnup0`, 'm'));
    assert.match(result.stdout, /^nameserver 169\.254\.1\.1$/m);
    assert.match(result.stdout, /^search tsn\.test$/m, 'the host\'s search domains are kept');
    const asUser = await run(['run', '-D', tree.root, '--network=pasta', '-u', '1000', '/bin/grep', 'nameserver', '/etc/resolv.conf']);
    assert.equal(asUser.stdout, 'nameserver 169.254.1.1\n', 'readable by every user');
    const write = await run(['run', '-D', tree.root, '--network=pasta', '/bin/sh', '-c', 'echo x > /etc/resolv.conf']);
    assert.match(write.stderr, /can't create \/etc\/resolv\.conf: Read-only file system/, 'mounted read-only');
    assert.match(result.stdout, /^echo: ping$/m);
    assert.match(result.stdout, new RegExp(`^Address: ${NAME_ADDRESS.replaceAll('.', '\\.')}$`, 'm'));
    assert.deepEqual(net.helpers(), [], 'pasta ended with the container');
  });

  it('slirp4netns: tap0 with 10.0.2.100, the default route via 10.0.2.2, nameserver 10.0.2.3; TCP and DNS reach the test\'s servers', async () => {
    const result = await run(['run', '-D', tree.root, '--network=slirp4netns', '/bin/sh', '-c', PROBE]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+: tap0\s+inet 10\.0\.2\.100\/24 /m);
    assert.match(result.stdout, /^default via 10\.0\.2\.2 dev tap0/m);
    assert.match(result.stdout, /^nameserver 10\.0\.2\.3$/m);
    assert.match(result.stdout, /^echo: ping$/m);
    assert.match(result.stdout, new RegExp(`^Address: ${NAME_ADDRESS.replaceAll('.', '\\.')}$`, 'm'));
    assert.deepEqual(net.helpers(), [], 'slirp4netns ended with the container');
  });

  it('slirp4netns, sandboxed as root, leaves the host\'s shared mounts (ip netns names) alone', async () => {
    // In a mount namespace of the test's own with a shared /run/netns holding a name: what the
    // sandbox would unmount by propagation is seen here, never on the host.
    const script = [
      'set -e',
      'mount -t tmpfs tsn-test-netns /run/netns',
      'mount --make-shared /run/netns',
      'touch /run/netns/tsn-probe',
      'mount --bind /proc/self/ns/net /run/netns/tsn-probe',
      'set +e',
      '"$@"',
      'mountpoint -q /run/netns/tsn-probe && echo probe-mounted',
    ].join('\n');
    const result = await collect(
      spawn('nsenter', [`--net=/run/netns/${net.name}`, 'unshare', '-m', 'sh', '-c', script, 'sh', CLI, 'run', '-D', tree.root, '--network=slirp4netns', '/bin/true']),
      { timeoutMs: 30_000 },
    );
    assert.equal(result.stdout, 'probe-mounted\n', result.stderr);
  });

  it('slirp4netns takes podman\'s options: cidr, mtu', async () => {
    const result = await run(['run', '-D', tree.root, '--network=slirp4netns:cidr=10.5.0.0/24,mtu=1400', '/bin/sh', '-c', 'ip -o link show tap0; ip -o -4 addr show tap0; cat /etc/resolv.conf']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /tap0: .* mtu 1400 /);
    assert.match(result.stdout, /inet 10\.5\.0\.100\/24 /);
    assert.match(result.stdout, /^nameserver 10\.5\.0\.3$/m);
  });

  for (const [helper, gateway] of [['pasta', UPLINK.gateway], ['slirp4netns', '10.0.2.2']] as const) {
    it(`${helper}: the network namespace's own loopback stays out of reach`, async () => {
      const result = await run(['run', '-D', tree.root, `--network=${helper}`, '/bin/sh', '-c', LOOPBACK_ATTEMPTS(gateway)]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, `refused-${gateway}\nrefused-127.0.0.1\n`);
    });
  }

  for (const helper of HELPERS) {
    it(`${helper}: publishes ports of a detached container (-p); ${helper === 'pasta' ? 'stop' : 'rm -f'} ends the helper`, async () => {
      const name = `unet-${helper}`;
      detached.add(name);
      const started = await run(['run', '-d', '-M', name, '-D', tree.root, `--network=${helper}`, '-p', '8080:80', '-p', `${UPLINK.address}:8081:81`,
        '/bin/sh', '-c', 'nc -l -p 81 -e /bin/echo served-81 & while :; do nc -l -p 80 -e /bin/echo served-80; done']);
      assert.equal(started.status, 0, started.stderr);
      const helpers = net.helpers();
      assert.equal(helpers.length, 1, 'one helper runs, outliving the CLI');
      const status = await run(['status', name]);
      assert.match(status.stdout, new RegExp(`Network: ${helper} \\(PID ${helpers[0]}\\)`));
      const connect = (address: string, port: number) =>
        collect(spawn('nsenter', [`--net=/run/netns/${net.name}`, 'sh', '-c', `(sleep 2) | busybox nc -w 5 ${address} ${port}`]), { timeoutMs: 10_000 });
      assert.equal((await connect('127.0.0.1', 8080)).stdout, 'served-80\n');
      assert.equal((await connect(UPLINK.address, 8081)).stdout, 'served-81\n');
      const refused = await connect('127.0.0.1', 8081);
      assert.equal(refused.stdout, '', 'a port published on one address is not on the others');
      // stop, then rm; or rm -f of the running container.
      if (helper === 'pasta') {
        const stop = await run(['stop', '--timeout', '1', name]);
        assert.equal(stop.status, 0, stop.stderr);
        assert.deepEqual(net.helpers(), [], `${helper} ended with the container`);
      }
      const rm = await run(['rm', ...(helper === 'pasta' ? [] : ['-f']), name]);
      assert.equal(rm.status, 0, rm.stderr);
      assert.deepEqual(net.helpers(), [], `${helper} ended with the container`);
      detached.delete(name);
    });
  }

  it('a detached container whose command ends has its helper stopped by the monitor\'s exit hook', async () => {
    const name = 'unet-ends';
    detached.add(name);
    const started = await run(['run', '-d', '-M', name, '-D', tree.root, '--network=slirp4netns', '/bin/sleep', '1']);
    assert.equal(started.status, 0, started.stderr);
    assert.equal(net.helpers().length, 1);
    const deadline = Date.now() + 10_000;
    while (net.helpers().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(net.helpers(), []);
    assert.match((await run(['status', name])).stdout, /State: stopped \(exit status 0\)/);
    assert.equal((await run(['rm', name])).status, 0);
    detached.delete(name);
  });

  it('--network=none (the default) has loopback only', async () => {
    for (const args of [['--network=none'], []]) {
      const result = await run(['run', '-D', tree.root, ...args, '/bin/sh', '-c', 'ip -o link show | cut -d: -f2']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'lo');
    }
  });

  it('with private users, pasta joins the container\'s user namespace and resolv.conf is mounted idmapped', { skip: userNamespaceRefusal() && 'no user namespace can be made here (a chroot?)' }, async () => {
    const result = await run(['run', '-D', tree.root, '--private-users=pick', '--private-users-ownership=off', '--network=pasta', '/bin/sh', '-c',
      `cat /proc/self/uid_map; ls -ln /etc/resolv.conf; (echo ping; sleep 1) | nc -w 5 ${SERVER.address} ${ECHO_PORT}`]);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /^\s*0\s+0\s/m, 'a user namespace with a range of its own');
    assert.match(result.stdout, /^-rw-r--r--\s+\d+\s+0\s+0\s.*\/etc\/resolv\.conf$/m, 'root\'s file inside, readable by all');
    assert.match(result.stdout, /^echo: ping$/m);
  });

  it('a helper that fails leaves nothing behind: one line, 125', async () => {
    const stderr = oneLine(await run(['run', '-D', tree.root, '--network=pasta:--no-such-option', '/bin/true']));
    assert.match(stderr, /^ts-nspawn: pasta failed \(exit status \d+\) connecting the container's network: .*no-such-option/);
    assert.deepEqual(net.helpers(), []);
  });

  for (const [helper, pattern] of [
    ['pasta', /^ts-nspawn: pasta failed \(exit status 1\) connecting the container's network: Failed to bind any port for '-t 10\.98\.0\.1\/7777:80'/],
    ['slirp4netns', /^ts-nspawn: publishing 10\.98\.0\.1:7777\/tcp through slirp4netns failed: slirp4netns refused it: /],
  ] as const) {
    it(`${helper}: a published port the host has taken fails the start in one line, leaving no helper`, async () => {
      const stderr = oneLine(await run(['run', '-D', tree.root, `--network=${helper}`, '-p', `${SERVER.address}:${ECHO_PORT}:80`, '/bin/true']));
      assert.match(stderr, pattern);
      assert.deepEqual(net.helpers(), []);
    });
  }

  for (const [what, args, mounts, pattern] of [
    ['pasta with a bridge', ['--network=pasta', '--network-bridge', 'tsnbr9'], {}, /^ts-nspawn: --network=pasta and --network-bridge tsnbr9 exclude each other: /],
    ['slirp4netns with the host network', ['--network=slirp4netns', '--host-network'], {}, /^ts-nspawn: --network=slirp4netns and --host-network exclude each other: /],
    ['none with a bridge', ['--network=none', '--network-bridge', 'tsnbr9'], {}, /^ts-nspawn: --network=none and --network-bridge tsnbr9 exclude each other: /],
    ['an unknown mode', ['--network=vpn'], {}, /^ts-nspawn: invalid --network 'vpn': expected none, host, bridge:BRIDGE, pasta/],
    ['--publish without a helper', ['-p', '8080:80'], {}, /^ts-nspawn: --publish needs --network=pasta or --network=slirp4netns/],
    ['a bad port', ['--network=pasta', '-p', '8080:99999'], {}, /^ts-nspawn: invalid published port '8080:99999': '99999' is not a port number/],
    ['an option the runtime sets', ['--network=pasta:--netns,/run/netns/x'], {}, /^ts-nspawn: --network=pasta: the pasta option '--netns' is set by ts-nspawn itself/],
    ['an unknown slirp4netns option', ['--network=slirp4netns:port_handler=rootlesskit'], {}, /^ts-nspawn: --network=slirp4netns: invalid slirp4netns option 'port_handler=rootlesskit': unknown option/],
    ['pasta not installed', ['--network=pasta'], { hide: ['/usr/bin/pasta'] }, /^ts-nspawn: --network=pasta needs pasta, which is not installed: install the passt package$/],
    ['slirp4netns not installed', ['--network=slirp4netns'], { hide: ['/usr/bin/slirp4netns'] }, /^ts-nspawn: --network=slirp4netns needs slirp4netns, which is not installed: install the slirp4netns package$/],
    ['no /dev/net/tun', ['--network=pasta'], { tun: 'missing' }, /^ts-nspawn: --network=pasta needs \/dev\/net\/tun, which this host does not have: load the tun module \(modprobe tun\)$/],
  ] as const) {
    it(`refuses ${what} in one line with 125, before anything is made`, async () => {
      const stderr = oneLine(await run(['run', '-D', tree.root, ...args, '/bin/true'], mounts as PrivateMounts));
      assert.match(stderr, pattern);
    });
  }
});

describe('user-mode networking, rootless', { skip: userNamespaceRefusal() && 'no user namespace can be made here (a chroot?)' }, () => {
  let user: RootlessUser;
  let tree: TestRoot;
  let net: UserTestNetwork;
  let state: HostState;
  let resolvConf: string;
  const detached = new Set<string>();

  const run = (args: string[], mounts: PrivateMounts = { tun: 'open' }) =>
    user.run(args, { wrap: (argv) => inTestNetwork(net.name, { resolvConf, ...mounts }, argv), timeoutMs: 30_000 });

  before(async () => {
    state = hostState();
    user = makeRootlessUser();
    tree = makeBusyboxRoot();
    execFileSync('chmod', ['755', tree.base]);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
    net = makeUserTestNetwork();
    resolvConf = join(tree.base, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${SERVER.address}\n`);
    await net.server(['echo', SERVER.address, String(ECHO_PORT)]);
    await net.server(['dns', SERVER.address, '53', NAME, NAME_ADDRESS]);
  });
  after(async () => {
    try {
      for (const name of detached) await run(['rm', '-f', name]);
      assert.deepEqual(net.helpers(), [], 'no helper left running');
    } finally {
      try {
        net.remove();
        user?.remove();
        await assertHostUnchanged(state);
      } finally {
        tree?.remove();
      }
    }
  });

  for (const helper of HELPERS) {
    it(`${helper}: the container is connected, reaches the test's servers, and its helper ends with it`, async () => {
      const result = await run(['run', '-D', tree.root, `--network=${helper}`, '/bin/sh', '-c', `id -u; ${PROBE}`]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^0$/m);
      assert.match(result.stdout, /^default via \S+ dev \S+/m);
      assert.match(result.stdout, /^\d+: \S+\s+inet \d+\.\d+\.\d+\.\d+\/\d+ /m);
      assert.match(result.stdout, helper === 'pasta' ? /^nameserver 169\.254\.1\.1$/m : /^nameserver 10\.0\.2\.3$/m);
      assert.match(result.stdout, /^echo: ping$/m);
      assert.match(result.stdout, new RegExp(`^Address: ${NAME_ADDRESS.replaceAll('.', '\\.')}$`, 'm'));
      assert.deepEqual(net.helpers(), []);
    });

    it(`${helper}: detached, with a published port; stop ends the helper`, async () => {
      const name = `unet-rl-${helper}`;
      detached.add(name);
      const started = await run(['run', '-d', '-M', name, '-D', tree.root, `--network=${helper}`, '-p', '8080:80', '/bin/sh', '-c', 'while :; do nc -l -p 80 -e /bin/echo served; done']);
      assert.equal(started.status, 0, started.stderr);
      assert.equal(net.helpers().length, 1);
      const reply = await collect(spawn('nsenter', [`--net=/run/netns/${net.name}`, 'sh', '-c', '(sleep 2) | busybox nc -w 5 127.0.0.1 8080']), { timeoutMs: 10_000 });
      assert.equal(reply.stdout, 'served\n');
      const stop = await run(['stop', '--timeout', '1', name]);
      assert.equal(stop.status, 0, stop.stderr);
      assert.deepEqual(net.helpers(), []);
      assert.equal((await run(['rm', name])).status, 0);
      detached.delete(name);
    });
  }

  it('says in one line (125) when the user may not open /dev/net/tun, and what to do', async () => {
    const result = await run(['run', '-D', tree.root, '--network=pasta', '/bin/true'], { tun: 'closed' });
    const stderr = oneLine(result);
    assert.match(stderr, /^ts-nspawn: --network=pasta needs \/dev\/net\/tun, which your user may not open \(mode 0600\): as root, chmod 0666 \/dev\/net\/tun .* udev rule/);
  });
});

function split(argv: string[]): [string, string[]] {
  return [argv[0]!, argv.slice(1)];
}
