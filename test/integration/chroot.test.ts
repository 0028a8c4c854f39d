/**
 * ts-nspawn run from inside a chroot whose root is a bind mount, as build
 * systems and image builders run tools. There the mount namespace of a
 * container still has the outer tree above the runtime's root: `exec` must
 * land in the container's root all the same, and nothing in the container
 * may reach the outer tree (by setns into its own mount namespace).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CLI, collect, type CliResult } from '../helpers/cli.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeBusyboxRoot, type TestRoot } from '../helpers/rootfs.js';

const LIFECYCLE_TEST = fileURLToPath(new URL('./lifecycle.test.ts', import.meta.url));
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));

describe('from inside a chroot', () => {
  let tree: TestRoot;
  let state: HostState;
  let chroot = '';
  const started = new Set<string>();

  /** Runs FILE ARGS chrooted, in the checkout (the chroot has the host's paths). */
  const inChroot = (file: string, args: string[], timeoutMs = 20_000): Promise<CliResult> => {
    const argv = [chroot, '/bin/sh', '-c', 'cd "$0" && exec "$@"', CHECKOUT, file, ...args];
    // Not a child of our test runner: a test run of its own, reporting as TAP.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    return collect(spawn('chroot', argv, { env, stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs });
  };
  const cli = (...args: string[]) => inChroot(CLI, args);

  before(() => {
    state = hostState();
    tree = makeBusyboxRoot();
    chroot = mkdtempSync('/tmp/tsn-chroot-');
    // Recursive, so the checkout, the tree, /proc, /dev and /sys are all
    // there wherever they are mounted; private, so nothing done under it
    // propagates back.
    execFileSync('mount', ['--rbind', '/', chroot]);
    execFileSync('mount', ['--make-rprivate', chroot]);
  });
  after(async () => {
    try {
      for (const name of started) await cli('rm', '-f', name);
    } finally {
      try {
        if (chroot) execFileSync('umount', ['--recursive', '--lazy', chroot]);
      } finally {
        if (chroot) rmdirSync(chroot);
        tree.remove();
      }
    }
    await assertHostUnchanged(state);
  });

  it('runs the lifecycle exec tests there', async () => {
    const node = process.execPath;
    const result = await inChroot(
      node,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-name-pattern=^execs', LIFECYCLE_TEST],
      120_000,
    );
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^# pass [1-9]/m);
    assert.match(result.stdout, /^# fail 0$/m);
  });

  it('refuses private users there in one line (the kernel makes no user namespace in a chroot), and boots without them by default', async () => {
    const refused = await cli('run', '--private-users=pick', '-D', tree.root, '/bin/true');
    assert.equal(refused.status, 125, refused.stderr);
    assert.match(refused.stderr, /^ts-nspawn: a user namespace \(private users, rootless mode\) cannot be made here: the kernel refuses it \(.*\); it does in a chroot: .*--private-users=no\n$/);
    const booted = await cli('boot', '-d', '-M', 'chroot-boot', '-D', tree.root);
    started.add('chroot-boot');
    assert.equal(booted.status, 0, booted.stderr);
    assert.match(booted.stderr, /^ts-nspawn: booting without private users \(the root holds host privileges\): the kernel makes no user namespace here/m);
    assert.equal((await cli('rm', '-f', 'chroot-boot')).status, 0);
    started.delete('chroot-boot');
  });

  it('keeps the outer tree out of reach of the container, also through setns into its own mount namespace', async () => {
    const outerOnly = readdirSync('/').filter((entry) => !readdirSync(tree.root).includes(entry));
    assert.ok(outerOnly.length > 0, 'the host has top-level entries the tree lacks');
    // Refused (without CAP_SYS_ADMIN) is as good as landing in the container.
    const look = 'nsenter -m/proc/self/ns/mnt ls -a / 2>/dev/null || echo refused';
    const run = await cli('run', '-D', tree.root, '/bin/sh', '-c', look);
    assert.equal(run.status, 0, run.stderr);
    const started1 = await cli('run', '-d', '-M', 'chroot-outer', '-D', tree.root, 'sleep', '30');
    assert.equal(started1.status, 0, started1.stderr);
    started.add('chroot-outer');
    const exec = await cli('exec', 'chroot-outer', '/bin/sh', '-c', look);
    assert.equal(exec.status, 0, exec.stderr);
    for (const [what, output] of [['run', run.stdout], ['exec', exec.stdout]] as const) {
      const seen = output.split('\n');
      const leaked = outerOnly.filter((entry) => seen.includes(entry));
      assert.deepEqual(leaked, [], `${what} sees the outer tree: ${output}`);
    }
  });
});
