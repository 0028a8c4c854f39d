/**
 * Every container in a cgroup of its own below ts-nspawn/ (or
 * --cgroup-parent), with the pids limit and the device policy applied by
 * the cgroup manager, on whatever layout this host has.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cgroupManager } from '../../src/cgroups/manager.js';
import { containerStats } from '../../src/runtime/stats.js';
import { runCli } from '../helpers/cli.js';
import { useBusyboxTree } from '../helpers/suite.js';

const manager = cgroupManager();

/** The host file FILE of the cgroup at PATH, in whichever hierarchy has it. */
function cgroupFile(path: string, file: string): string {
  const directory = manager.directories(path).find((d) => existsSync(join(d, file)));
  assert.ok(directory, `no ${file} for ${path}`);
  return join(directory, file);
}

describe('cgroups', () => {
  const tree = useBusyboxTree('cgbox');
  const sh = (script: string, ...flags: string[]) => runCli(['run', '-P', ...flags, '-D', tree.root, '/bin/sh', '-c', script]);

  it('puts a container in its own cgroup: ts-nspawn/NAME on the host, the root of its cgroup namespace inside', async () => {
    const start = await runCli(['run', '-d', '-M', 'cg-own', '-D', tree.root, 'sleep', '30']);
    try {
      assert.equal(start.status, 0, start.stderr);
      const status = JSON.parse((await runCli(['status', '--json', 'cg-own'])).stdout) as { pid: number };
      const procs = readFileSync(cgroupFile('ts-nspawn/cg-own', 'cgroup.procs'), 'utf8');
      assert.deepEqual(procs.trim().split('\n').map(Number), [status.pid]);
      const inside = await runCli(['exec', '-P', 'cg-own', 'cat', '/proc/self/cgroup']);
      assert.equal(inside.status, 0, inside.stderr);
      for (const line of inside.stdout.trim().split('\n')) assert.match(line, /^\d+:[^:]*:\/$/);
      // Stats of the detached container, read through the library.
      const stats = await containerStats('cg-own');
      assert.ok(stats.pids >= 1, `pids ${stats.pids}`);
      if (manager.layout !== 'unified') assert.ok((stats.memoryCurrentBytes ?? 0) > 0, 'memory in use');
      assert.ok(stats.cpuUsageUsec !== undefined && stats.cpuUsageUsec >= 0);
    } finally {
      assert.equal((await runCli(['rm', '-f', 'cg-own'])).status, 0);
    }
    assert.ok(!manager.directories('ts-nspawn/cg-own').some(existsSync), 'rm removed the cgroup');
  });

  it('limits processes to 2048 by default, to --pids-limit N when given, and not with 0', async () => {
    const read = (...flags: string[]) => sh('cat /proc/self/cgroup >/dev/null; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max', ...flags);
    assert.equal((await read()).stdout, '2048\n');
    assert.equal((await read('--pids-limit', '64')).stdout, '64\n');
    assert.equal((await read('--pids-limit', '0')).stdout, 'max\n');
  });

  it('applies --memory and --cpus (v1 or v2 files, whichever the host has)', async () => {
    const result = await sh(
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; ' +
        'echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max)',
      '--memory', '64m', '--cpus', '0.5',
    );
    assert.equal(result.stdout, `${64 * 1024 * 1024}\n50000 100000\n`);
  });

  it('holds a fork bomb at the pids limit, reports it and leaves nothing behind', async () => {
    // Each loop forks a sleeper in the background; timeout ends it all.
    const bomb = 'timeout -s KILL 3 sh -c "while :; do sleep 30 & done" 2>/dev/null; cat /sys/fs/cgroup/pids/pids.peak 2>/dev/null || cat /sys/fs/cgroup/pids.peak';
    const started = Date.now();
    const result = await sh(bomb, '--pids-limit', '64', '-M', 'cg-bomb');
    assert.equal(result.status, 0, result.stderr);
    const peak = Number(result.stdout.trim());
    assert.ok(peak > 32 && peak <= 64, `peak ${peak}`);
    assert.match(result.stderr, /cg-bomb reached its pids limit: \d+ fork\(s\) refused/);
    assert.ok(Date.now() - started < 15_000);
    assert.ok(!manager.directories('ts-nspawn/cg-bomb').some(existsSync));
  });

  it('opens only the nodes it was given: a node made with mknod cannot be opened, /dev/null can', async () => {
    const result = await sh('mknod /dev/sdz b 8 0 && echo made; head -c1 /dev/sdz; mknod /dev/mem2 c 1 1; head -c1 /dev/mem2; echo x > /dev/null && echo null-ok');
    assert.equal(result.stdout, 'made\nnull-ok\n');
    assert.match(result.stderr, /\/dev\/sdz: Operation not permitted/);
    assert.match(result.stderr, /\/dev\/mem2: Operation not permitted/);
  });

  it('gives a --device node, created in /dev and allowed with the access asked for', async () => {
    // /dev/loop-control given read-only: opening it for reading works, for writing not.
    const result = await sh(
      'echo x > /dev/mynull && echo mynull-ok; true < /dev/lc && echo lc-read-ok; true > /dev/lc || echo lc-no-write',
      '--device', '/dev/null:/dev/mynull', '--device', '/dev/loop-control:/dev/lc:r',
    );
    assert.equal(result.stdout, 'mynull-ok\nlc-read-ok\nlc-no-write\n');
    assert.match(result.stderr, /\/dev\/lc: Operation not permitted/);
  });

  it('puts containers below --cgroup-parent, as PARENT/ts-nspawn/NAME', async () => {
    const parent = 'tsn-test-parent/sub';
    const start = await runCli(['run', '-d', '-M', 'cg-parent', '--cgroup-parent', parent, '-D', tree.root, 'sleep', '30']);
    try {
      assert.equal(start.status, 0, start.stderr);
      assert.ok(manager.directories(`${parent}/ts-nspawn/cg-parent`).every(existsSync));
      assert.ok(!manager.directories('ts-nspawn/cg-parent').some(existsSync));
    } finally {
      await runCli(['rm', '-f', 'cg-parent']);
      // The parent is the user's: rm leaves it, the test removes it.
      manager.remove(manager.directories('tsn-test-parent'));
    }
    assert.ok(!manager.directories(`${parent}/ts-nspawn/cg-parent`).some(existsSync));
  });
});
