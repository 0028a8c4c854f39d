/** The sh-nspawn command form boots a busybox /sbin/init on a bridge, and poweroff ends it with status 0. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeTestNetwork, netnsLinks, type TestNetwork } from '../helpers/netns.js';
import { PtySession } from '../helpers/pty.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';

const INITTAB = `::sysinit:/bin/sh -c 'echo "booted $(hostname) with PID 1 $(cat /proc/1/comm)"'
console::respawn:-/bin/sh
`;

describe('sh-nspawn form', () => {
  let tree: TestRoot;
  let net: TestNetwork;
  let state: HostState;
  let linksBefore: string[];
  let session: PtySession | undefined;

  before(() => {
    tree = makeBusyboxRoot('oldschool', INITTAB);
    net = makeTestNetwork(['172.30.44.1/24']);
    linksBefore = netnsLinks(net.name);
    state = hostState();
  });
  after(async () => {
    session?.close();
    try {
      assert.deepEqual(netnsLinks(net.name), linksBefore);
      await assertHostUnchanged(state);
    } finally {
      net.remove();
      tree.remove();
    }
  });

  it('boots /sbin/init with the console, network and a clean poweroff', async () => {
    session = new PtySession(['nsenter', `--net=/run/netns/${net.name}`, CLI, '-p', tree.root, '-b', net.bridge, '-a', '172.30.44.2/24', '-r', '172.30.44.1']);
    await session.expect('booted oldschool with PID 1 init');
    session.send('\rping -c1 -W2 172.30.44.1 >/dev/null && echo "ping-$((1+1))-ok"\r');
    await session.expect('ping-2-ok');
    session.send('poweroff\r');
    assert.equal(await session.exited, 0, session.transcript);
  });
});
