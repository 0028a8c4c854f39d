/**
 * Bridged networking, entirely inside a network namespace this test makes:
 * containers get a veth on the test bridge with static IPv4 and IPv6
 * addresses, reach the bridge and each other, and leave no link behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, runCli, spawnCli } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeTestNetwork, netnsLinks, type TestNetwork } from '../helpers/netns.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';

describe('bridged network', () => {
  let tree: TestRoot;
  let net: TestNetwork;
  let state: HostState;
  let linksBefore: string[];

  before(() => {
    tree = makeBusyboxRoot();
    net = makeTestNetwork(['10.77.0.1/24', 'fd77::1/64']);
    linksBefore = netnsLinks(net.name);
    state = hostState();
  });
  after(async () => {
    try {
      assert.deepEqual(netnsLinks(net.name), linksBefore, 'no veth left in the test network');
      await assertHostUnchanged(state);
    } finally {
      net.remove();
      tree.remove();
    }
  });

  const bridged = (machine: string, address4: string, address6: string) => [
    '-M', machine, '--network-bridge', net.bridge,
    '--address', address4, '--address', address6, '--gateway', '10.77.0.1', '--gateway', 'fd77::1',
  ];

  it('configures eth0 with addresses and default routes before the command starts', async () => {
    const result = await runCli(
      ['run', '-D', tree.root, ...bridged('net1', '10.77.0.2/24', 'fd77::2/64'), '/bin/sh', '-c', 'ip -o addr show eth0; ip route; ip -6 route | grep default'],
      { netns: net.name },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /eth0\s+inet 10\.77\.0\.2\/24/);
    assert.match(result.stdout, /eth0\s+inet6 fd77::2\/64/);
    assert.match(result.stdout, /default via 10\.77\.0\.1 dev eth0/);
    assert.match(result.stdout, /default via fd77::1 dev eth0/);
  });

  it('reaches the bridge address and a second container, over IPv4 and IPv6', async () => {
    const server = spawnCli(
      ['run', '-D', tree.root, ...bridged('net2', '10.77.0.3/24', 'fd77::3/64'), '/bin/sh', '-c', "trap 'exit 0' TERM; echo up; while :; do sleep 0.1; done"],
      { netns: net.name },
    );
    const serverDone = collect(server);
    try {
      await new Promise<void>((resolve) => server.stdout?.once('data', () => resolve()));
      assert.ok(netnsLinks(net.name).includes('vb-net2'), 'the host end is named after the machine');
      const client = await runCli(
        // busybox ping needs a raw socket (iputils' ping would use an ICMP socket, allowed by
        // the ping_group_range sysctl run sets); run's default set has no CAP_NET_RAW.
        ['run', '-D', tree.root, '--capability', 'NET_RAW', ...bridged('net3', '10.77.0.4/24', 'fd77::4/64'), '/bin/sh', '-c',
          'ping -c1 -W2 10.77.0.1 >/dev/null && echo bridge4-ok; ping -c1 -W2 10.77.0.3 >/dev/null && echo peer4-ok; ping -6 -c1 -W2 fd77::3 >/dev/null && echo peer6-ok'],
        { netns: net.name },
      );
      assert.equal(client.stdout, 'bridge4-ok\npeer4-ok\npeer6-ok\n', client.stderr);
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal((await serverDone).status, 0);
  });
});
