/**
 * A real Debian tree (bootstrapped once and cached) booted with systemd as
 * PID 1 on a real PTY, under private users (boot's default): it reaches `running` with no failed unit, has its
 * network on a bridge inside a test network namespace, reboots, and ends
 * with status 0 after `poweroff`, leaving the host as it was.
 */
import { userNamespaceRefusal } from '../../src/host/user-namespaces.js';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../helpers/cli.js';
import { cachedDebianTree } from '../helpers/debian-tree.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeTestNetwork, netnsLinks, type TestNetwork } from '../helpers/netns.js';
import { makeCopy, type Overlay } from '../helpers/overlay.js';
import { PtySession } from '../helpers/pty.js';

const BOOT_TIMEOUT = 120_000;
const PROTECTED_SYSCTLS = ['protected_fifos', 'protected_hardlinks', 'protected_regular', 'protected_symlinks'];

function protectedSysctls(): string[] {
  return PROTECTED_SYSCTLS.map((name) => readFileSync(`/proc/sys/fs/${name}`, 'utf8').trim());
}

describe('systemd boot', { timeout: 6 * BOOT_TIMEOUT }, () => {
  let overlay: Overlay;
  let net: TestNetwork;
  let state: HostState;
  let linksBefore: string[];
  let sysctlsBefore: string[];
  let session: PtySession | undefined;

  before(async () => {
    // A copy, not an overlay: boot idmaps the root for its private users (overlayfs cannot be idmapped).
    overlay = makeCopy(await cachedDebianTree(), 'debian');
    // systemd-networkd running must not undo the address ts-nspawn gave eth0.
    const wants = join(overlay.root, 'etc/systemd/system/multi-user.target.wants');
    mkdirSync(wants, { recursive: true });
    symlinkSync('/lib/systemd/system/systemd-networkd.service', join(wants, 'systemd-networkd.service'));
    net = makeTestNetwork(['10.88.0.1/24']);
    linksBefore = netnsLinks(net.name);
    sysctlsBefore = protectedSysctls();
    state = hostState();
  });
  after(async () => {
    session?.close();
    try {
      await assertHostUnchanged(state);
      assert.deepEqual(netnsLinks(net.name), linksBefore, 'no veth left');
    } finally {
      net.remove();
      overlay.remove();
    }
  });

  const login = async (from: number) => {
    await session!.expect(/debian login: $/m, { timeoutMs: BOOT_TIMEOUT, from });
    session!.send('root\r');
    await session!.expect(/root@debian:~# $/m, { timeoutMs: 30_000, from });
  };

  it('boots to running with no failed unit, networking, reboot and a clean poweroff', async () => {
    session = new PtySession(
      ['nsenter', `--net=/run/netns/${net.name}`, CLI, 'boot', '-D', overlay.root,
        '--network-bridge', net.bridge, '--address', '10.88.0.2/24', '--gateway', '10.88.0.1'],
      { rows: 40, cols: 160 },
    );
    await login(0);
    let mark = session.transcript.length;
    session.send('echo "state=$(systemctl is-system-running --wait)"; echo "failed=$(systemctl --failed --no-legend | wc -l)"; echo "networkd=$(systemctl is-active systemd-networkd)"; ping -c1 -W2 10.88.0.1 >/dev/null && echo "ping=$((1+1))"\r');
    await session.expect(/state=running\r?\n/, { timeoutMs: 60_000, from: mark });
    await session.expect(/failed=0\r?\n/, { from: mark });
    await session.expect(/networkd=active\r?\n/, { from: mark });
    await session.expect('ping=2', { from: mark });
    // Under private users by default: root inside is a range from the pool (without them in a chroot).
    mark = session.transcript.length;
    session.send('echo "map=$(cat /proc/self/uid_map | tr -s \' \' :)"\r');
    await session.expect(userNamespaceRefusal() ? /map=:0:0:4294967295\r?\n/ : /map=:0:\d{6,}:65536\r?\n/, { from: mark });
    assert.deepEqual(protectedSysctls(), sysctlsBefore, "the container's systemd must not change the host's sysctls");

    mark = session.transcript.length;
    session.send('reboot\r');
    await login(mark);
    session.send('poweroff\r');
    assert.equal(await session.exited, 0, session.transcript.slice(-2000));
  });
});
