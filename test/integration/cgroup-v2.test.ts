/**
 * cgroup v2, the layout most hosts run. This machine is v1/hybrid, so the
 * test gives ts-nspawn a v2-only view of it: a private mount namespace
 * where the v1 hierarchies are unmounted and the unified hierarchy is
 * mounted at /sys/fs/cgroup. Containers started there take the v2 paths:
 * a cgroup2 tree inside, their own cgroup in the unified hierarchy, exec
 * joining it, and a systemd boot that reaches `running`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CLI, collect, type CliResult } from '../helpers/cli.js';
import { cachedDebianTree } from '../helpers/debian-tree.js';
import { makeOverlay, type Overlay } from '../helpers/overlay.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';
import { V2_VIEW } from '../helpers/v2-view.js';

/** Runs the CLI in a fresh v2-only mount namespace. */
function runV2(args: string[], input?: string): Promise<CliResult> {
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${V2_VIEW}exec "$@"`, 'v2-view', CLI, ...args]);
  return collect(child, input === undefined ? { timeoutMs: 60_000 } : { input, timeoutMs: 60_000 });
}

/** The unified hierarchy's directory of container NAME, as the host sees it. */
function unifiedDirectory(name: string): string {
  return `/sys/fs/cgroup/unified/ts-nspawn/${name}`;
}

describe('cgroup v2', { skip: !existsSync('/sys/fs/cgroup/unified/cgroup.procs') && !existsSync('/sys/fs/cgroup/cgroup.procs') }, () => {
  let overlay: Overlay | undefined;
  let tree: TestRoot | undefined;
  let state: HostState;
  before(async () => {
    const lower = await cachedDebianTree();
    state = hostState();
    tree = makeBusyboxRoot('v2box');
    overlay = makeOverlay(lower, 'v2deb');
  });
  after(async () => {
    try {
      for (const name of ['v2-detached', 'v2-boot']) await runV2(['rm', '-f', name]);
    } finally {
      overlay?.remove();
      tree?.remove();
    }
    await assertHostUnchanged(state);
  });

  it('clones a command straight into its own cgroup, seen as a read-only cgroup2 tree', async () => {
    const result = await runV2(['run', '-D', tree!.root, '/bin/sh', '-c', 'grep cgroup /proc/mounts | cut -d" " -f2-4; grep "^0::" /proc/self/cgroup; wc -l < /sys/fs/cgroup/cgroup.procs; true']);
    assert.equal(result.status, 0, result.stderr);
    // Its own cgroup holds only the shell and wc, not the host's processes.
    assert.equal(result.stdout, '/sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec,relatime\n0::/\n2\n');
  });

  it('puts a detached container in its own cgroup, which exec joins and rm removes', async () => {
    const start = await runV2(['run', '-d', '-M', 'v2-detached', '-D', tree!.root, 'sleep', '30']);
    assert.equal(start.status, 0, start.stderr);
    assert.ok(existsSync(unifiedDirectory('v2-detached')), 'the container cgroup exists in the unified hierarchy');
    const exec = await runV2(['exec', '-P', 'v2-detached', '/bin/sh', '-c', 'grep "^0::" /proc/self/cgroup; cat /sys/fs/cgroup/cgroup.procs | wc -l']);
    assert.equal(exec.status, 0, exec.stderr);
    const [cgroup, count] = exec.stdout.trim().split('\n');
    assert.equal(cgroup, '0::/');
    assert.ok(Number(count) >= 2, 'sleep and the exec in the same cgroup');
    assert.equal((await runV2(['rm', '-f', 'v2-detached'])).status, 0);
    assert.ok(!existsSync(unifiedDirectory('v2-detached')));
  });

  it('boots systemd to running on cgroup v2 and stops it cleanly', async () => {
    const boot = await runV2(['boot', '-d', '-M', 'v2-boot', '-D', overlay!.root]);
    assert.equal(boot.status, 0, boot.stderr);
    // Until systemd has its bus socket, systemctl cannot ask it anything yet.
    let state = await runV2(['exec', '-P', 'v2-boot', 'systemctl', 'is-system-running', '--wait']);
    for (let attempt = 0; state.stdout.trim() === '' && attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await runV2(['exec', '-P', 'v2-boot', 'systemctl', 'is-system-running', '--wait']);
    }
    assert.equal(state.stdout.trim(), 'running', state.stderr);
    const mounts = await runV2(['exec', '-P', 'v2-boot', '/bin/sh', '-c', 'grep cgroup /proc/mounts | cut -d" " -f2-3; systemctl --failed --no-legend | wc -l']);
    assert.equal(mounts.stdout, '/sys/fs/cgroup cgroup2\n0\n');
    assert.equal((await runV2(['stop', 'v2-boot'])).status, 0);
    const status = JSON.parse((await runV2(['status', '--json', 'v2-boot'])).stdout) as { status: string; exit?: { status: number } };
    assert.deepEqual([status.status, status.exit?.status], ['stopped', 0]);
  });
});
