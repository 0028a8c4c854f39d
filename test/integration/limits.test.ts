/**
 * Resource limits, their change while a container runs, OOM reporting and
 * stats, on whatever cgroup layout this host has (the paths inside are
 * tried as v1, then v2).
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { weightToShares } from '../../src/cgroups/convert.js';
import { cgroupManager } from '../../src/cgroups/manager.js';
import { containerStats } from '../../src/runtime/stats.js';
import { runCli } from '../helpers/cli.js';
import { makeTestNetwork } from '../helpers/netns.js';
import { useBusyboxTree } from '../helpers/suite.js';

const manager = cgroupManager();
const MIB = 1024 * 1024;

/** The host file FILE of container NAME's cgroup, in whichever hierarchy has it. */
function cgroupFile(name: string, file: string): string {
  const directory = manager.directories(`ts-nspawn/${name}`).find((d) => existsSync(join(d, file)));
  assert.ok(directory, `no ${file} for ${name}`);
  return join(directory, file);
}

const readCgroup = (name: string, v1: string, v2: string) =>
  readFileSync(cgroupFile(name, manager.layout === 'unified' ? v2 : v1), 'utf8').trim();

/** Doubles a string until the memory limit stops it. */
const MEMORY_HOG = 'a=0123456789abcdef; while :; do a=$a$a; done';

describe('resource limits', () => {
  const tree = useBusyboxTree('limbox');
  const sh = (script: string, ...flags: string[]) => runCli(['run', '-P', ...flags, '-D', tree.root, '/bin/sh', '-c', script]);

  it('writes --memory and --memory-swap to the cgroup, and reports an OOM kill of PID 1 with status 137', async () => {
    const limits = await sh(
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max',
      '--memory', '64m', '--memory-swap', '96m',
    );
    assert.equal(limits.status, 0, limits.stderr);
    assert.deepEqual(limits.stdout.trim().split('\n'), manager.layout === 'unified' ? [String(64 * MIB), String(32 * MIB)] : [String(64 * MIB), String(96 * MIB)]);

    // Bounded by runCli's time-out: a hog the limit did not stop would be killed there and fail the status check.
    const hog = await sh(MEMORY_HOG, '-M', 'lim-oom', '--memory', '64m', '--memory-swap', '64m');
    assert.equal(hog.status, 137, hog.stderr);
    assert.equal(hog.stderr, 'ts-nspawn: container lim-oom was killed: out of memory (limit 64M)\n');
    assert.ok(!manager.directories('ts-nspawn/lim-oom').some(existsSync), 'the cgroup is gone');
  });

  it('says when the OOM killer took another process, and lists a detached container killed for memory', async () => {
    const child = await sh(`sh -c '${MEMORY_HOG}'; echo child $?`, '-M', 'lim-oom2', '--memory', '48m', '--memory-swap', '48m');
    assert.equal(child.status, 0);
    assert.equal(child.stdout, 'child 137\n');
    // The shell inside says "Killed" first; ts-nspawn's line is the last.
    assert.match(child.stderr, /\nts-nspawn: container lim-oom2: 1 process\(es\) killed: out of memory \(limit 48M\)\n$/);

    const start = await runCli(['run', '-d', '-M', 'lim-oom3', '--memory', '32m', '--memory-swap', '32m', '-D', tree.root, '/bin/sh', '-c', `sleep 0.5; ${MEMORY_HOG}`]);
    assert.equal(start.status, 0, start.stderr);
    try {
      let status: { status: string; exit?: { status: number }; outOfMemory?: { kills: number; limitBytes: number } } = { status: 'running' };
      for (let i = 0; i < 200 && status.status !== 'stopped'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = JSON.parse((await runCli(['status', '--json', 'lim-oom3'])).stdout);
      }
      assert.equal(status.exit?.status, 137);
      assert.deepEqual(status.outOfMemory, { kills: 1, limitBytes: 32 * MIB });
      assert.match((await runCli(['list'])).stdout, /lim-oom3\s+stopped \(137, out of memory\)/);
      assert.match((await runCli(['status', 'lim-oom3'])).stdout, /OOM: container lim-oom3 was killed: out of memory \(limit 32M\)/);
    } finally {
      assert.equal((await runCli(['rm', '-f', 'lim-oom3'])).status, 0);
    }
  });

  it('caps a busy loop at about half a CPU with --cpus 0.5, measured from the cgroup', async () => {
    const start = await runCli(['run', '-d', '-M', 'lim-cpu', '--cpus', '0.5', '-D', tree.root, '/bin/sh', '-c', 'while :; do :; done']);
    assert.equal(start.status, 0, start.stderr);
    try {
      assert.equal(readCgroup('lim-cpu', 'cpu.cfs_quota_us', 'cpu.max').split(' ')[0], '50000');
      const { cpuPercent } = await containerStats('lim-cpu', { sampleMs: 1500 });
      // A loose band: the point is the cap (an uncapped loop takes ~100), not our timing.
      assert.ok(cpuPercent !== undefined && cpuPercent > 25 && cpuPercent < 70, `CPU ${cpuPercent}%`);
    } finally {
      assert.equal((await runCli(['rm', '-f', 'lim-cpu'])).status, 0);
    }
  });

  it('confines to --cpuset-cpus, maps --cpu-weight to shares or weight, and writes --io-weight where the host has a weight file', async () => {
    const inside = await sh(
      'grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/cpu.weight',
      '--cpuset-cpus', '0', '--cpu-weight', '200',
    );
    assert.equal(inside.status, 0, inside.stderr);
    const [cpus, weight] = inside.stdout.trim().split('\n');
    assert.match(cpus ?? '', /^Cpus_allowed_list:\s+0$/);
    // v2 gets the weight itself; v1 the shares that runc's curve turns back into it.
    assert.equal(weight, manager.layout === 'unified' ? '200' : String(weightToShares(200)));

    const io = await sh('cat /sys/fs/cgroup/blkio/blkio.bfq.weight 2>/dev/null || cat /sys/fs/cgroup/blkio/blkio.weight 2>/dev/null || cat /sys/fs/cgroup/io.bfq.weight 2>/dev/null || cat /sys/fs/cgroup/io.weight', '--io-weight', '300');
    if (io.stderr.includes('not applied')) {
      assert.match(io.stderr, /^ts-nspawn: warning: linux\.resources\.blockIO\.weight not applied: this host has no I\/O weight file/);
    } else {
      assert.equal(io.status, 0, io.stderr);
      // bfq takes the blkio range; io.weight the v2 one (300 -> 2930).
      assert.match(io.stdout, /^(300|default 300|2930|default 2930)\n$/);
    }

    const missing = await sh('true', '--cpuset-cpus', '4095');
    assert.equal(missing.status, 125);
    assert.match(missing.stderr, /^ts-nspawn: cannot set the cgroup limit \S+cpuset\.cpus to '4095': .*\(CPUs available: [\d,-]+\)\n$/);
  });

  it('refuses bad limit values in one line with status 125', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--memory-swap', '32m'], /a swap limit needs a memory limit: add --memory/],
      [['--memory', '64m', '--memory-swap', '32m'], /must be at least the memory limit/],
      [['--cpu-weight', '0'], /invalid CPU weight 0: give a whole number from 1 to 10000/],
      [['--cpuset-cpus', '1-0'], /invalid CPU list "1-0"/],
      [['--io-weight', '5'], /invalid I\/O weight 5: give a whole number from 10 to 1000/],
      [['--rlimit', 'NOFILE'], /invalid --rlimit 'NOFILE': expected NAME=SOFT\[:HARD\]/],
      [['--rlimit', 'FILES=10'], /unknown rlimit 'FILES'/],
      [['--rlimit', 'NOFILE=200:100'], /the soft limit 200 is above the hard limit 100/],
    ];
    for (const [flags, message] of cases) {
      const result = await sh('true', ...flags);
      assert.equal(result.status, 125, flags.join(' '));
      assert.match(result.stderr, message);
      assert.equal(result.stderr.split('\n').length, 2, result.stderr);
    }
  });

  it('applies --rlimit, and refuses a hard limit above the host\'s in one line when CAP_SYS_RESOURCE is missing', async () => {
    const result = await sh('ulimit -n; ulimit -Hn', '--rlimit', 'NOFILE=100');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '100\n100\n');
    const split = await sh('ulimit -n; ulimit -Hn', '--rlimit', 'nofile=64:128');
    assert.equal(split.stdout, '64\n128\n');

    const hostHard = Number(/^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
    const capEff = BigInt(`0x${/^CapEff:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]}`);
    const canRaise = ((capEff >> 24n) & 1n) === 1n;
    const raised = await sh('ulimit -Hn', '--rlimit', `NOFILE=100:${hostHard + 1000}`);
    if (canRaise) {
      assert.equal(raised.stdout, `${hostHard + 1000}\n`);
    } else {
      assert.equal(raised.status, 125);
      assert.equal(
        raised.stderr,
        `ts-nspawn: cannot raise the hard limit of RLIMIT_NOFILE to ${hostHard + 1000}: the most this host allows is ${hostHard}, and raising it needs CAP_SYS_RESOURCE, which ts-nspawn does not have here; give a hard limit of at most ${hostHard}\n`,
      );
    }
  });

  it('changes the pids and memory limits of a running container with update, in the cgroup, the stored spec and in effect', async () => {
    const start = await runCli(['run', '-d', '-M', 'lim-up', '--memory', '64m', '--memory-swap', '64m', '--pids-limit', '50', '-D', tree.root, 'sleep', '60']);
    assert.equal(start.status, 0, start.stderr);
    try {
      // dd holds a 24 MiB buffer: fine under 64M.
      const fits = await runCli(['exec', 'lim-up', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=24M', 'count=1']);
      assert.equal(fits.status, 0, fits.stderr);
      const forks = 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait; echo done';
      assert.equal((await runCli(['exec', 'lim-up', 'sh', '-c', forks])).stdout, 'done\n');

      const update = await runCli(['update', 'lim-up', '--memory', '16m', '--memory-swap', '16m', '--pids-limit', '6']);
      assert.equal(update.status, 0, update.stderr);
      assert.equal(update.stdout, 'lim-up\n');
      assert.equal(readCgroup('lim-up', 'memory.limit_in_bytes', 'memory.max'), String(16 * MIB));
      assert.equal(readCgroup('lim-up', 'pids.max', 'pids.max'), '6');
      const stored = JSON.parse(readFileSync('/run/ts-nspawn/lim-up/config.json', 'utf8'));
      assert.deepEqual(stored.linux.resources.memory, { limit: 16 * MIB, swap: 16 * MIB });
      assert.deepEqual(stored.linux.resources.pids, { limit: 6 });

      const killed = await runCli(['exec', 'lim-up', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=24M', 'count=1']);
      assert.equal(killed.status, 137, 'the same buffer is now over the limit');
      const held = await runCli(['exec', 'lim-up', 'sh', '-c', forks]);
      assert.notEqual(held.status, 0);
      assert.match(held.stderr, /can't fork/);

      const stats = await containerStats('lim-up');
      assert.equal(stats.memoryLimitBytes, 16 * MIB);
      assert.equal(stats.pidsLimit, 6);
      assert.ok(stats.pids <= 6 && (stats.pidsLimitHits ?? 0) > 0, JSON.stringify(stats));
      assert.ok((stats.oomKills ?? 0) >= 1);

      // Growing both needs memsw raised before memory on v1, shrinking the other way round.
      const grow = await runCli(['update', 'lim-up', '--memory', '96m', '--memory-swap', '128m']);
      assert.equal(grow.status, 0, grow.stderr);
      assert.equal(readCgroup('lim-up', 'memory.limit_in_bytes', 'memory.max'), String(96 * MIB));
      const shrink = await runCli(['update', 'lim-up', '--memory', '16m', '--memory-swap', '16m']);
      assert.equal(shrink.status, 0, shrink.stderr);

      const conflict = await runCli(['update', 'lim-up', '--memory', '32m']);
      assert.equal(conflict.status, 125);
      assert.match(conflict.stderr, /^ts-nspawn: the memory limit 33554432 and the memory\+swap limit 16777216 do not fit: .* give --memory and --memory-swap together/);
      assert.equal(readCgroup('lim-up', 'memory.limit_in_bytes', 'memory.max'), String(16 * MIB), 'nothing changed');
      assert.equal((await runCli(['update', 'lim-up'])).status, 125);
    } finally {
      assert.equal((await runCli(['rm', '-f', 'lim-up'])).status, 0);
    }
    const gone = await runCli(['update', 'lim-up', '--pids-limit', '9']);
    assert.equal(gone.status, 125);
    assert.equal(gone.stderr, "ts-nspawn: no container named 'lim-up': see ts-nspawn list\n");
  });

  it('shows a detached container\'s memory, PIDs and network bytes with stats --no-stream --json', async () => {
    const net = makeTestNetwork(['10.78.0.1/24']);
    try {
      const start = await runCli(
        ['run', '-d', '-M', 'lim-stats', '--memory', '64m', '--capability', 'NET_RAW', '--network-bridge', net.bridge, '--address', '10.78.0.2/24', '-D', tree.root, '/bin/sh', '-c', 'sleep 60 & sleep 60 & wait'],
        { netns: net.name },
      );
      assert.equal(start.status, 0, start.stderr);
      try {
        const ping = await runCli(['exec', 'lim-stats', 'ping', '-c', '3', '-i', '0.2', '-s', '1000', '10.78.0.1']);
        assert.equal(ping.status, 0, ping.stderr);
        const result = await runCli(['stats', '--no-stream', '--json', 'lim-stats']);
        assert.equal(result.status, 0, result.stderr);
        const [stats] = JSON.parse(result.stdout) as Array<Record<string, number | string>>;
        assert.equal(stats?.name, 'lim-stats');
        assert.ok((stats!.memoryCurrentBytes as number) > 0, 'memory in use');
        assert.equal(stats!.memoryLimitBytes, 64 * MIB);
        assert.equal(stats!.pids, 3);
        // Three 1 KiB echo requests out and three replies in, on eth0 (loopback is not counted).
        assert.ok((stats!.netTxBytes as number) >= 3 * 1000 && (stats!.netRxBytes as number) >= 3 * 1000, JSON.stringify(stats));
        assert.ok(typeof stats!.cpuPercent === 'number' && typeof stats!.cpuUsageNs === 'number');
        const text = await runCli(['stats', '--no-stream']);
        assert.match(text.stdout, /^NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n/);
        assert.match(text.stdout, /\nlim-stats\s+\d+\.\d\d%\s+\S+ \/ 64MiB\s+\S+%\s+\S+ \/ \S+\s+\S+ \/ \S+\s+3 \/ 2048\n/);
        const stopped = await runCli(['stats', '--no-stream', 'no-such-box']);
        assert.equal(stopped.status, 125);
      } finally {
        assert.equal((await runCli(['rm', '-f', 'lim-stats'], { netns: net.name })).status, 0);
      }
    } finally {
      net.remove();
    }
  });
});

describe('ts-runc update', () => {
  const tree = useBusyboxTree('limrunc');
  const TS_RUNC = fileURLToPath(new URL('../../bin/ts-runc', import.meta.url));

  /** Output in files: the detached container keeps the runtime's stdio. */
  function runc(root: string, args: string[], input?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'tsn-limits-out-'));
    try {
      const out = openSync(join(dir, 'out'), 'w');
      const err = openSync(join(dir, 'err'), 'w');
      const result = spawnSync(TS_RUNC, ['--root', root, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', out, err], input, timeout: 20_000 });
      closeSync(out);
      closeSync(err);
      return { status: result.status, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('takes a LinuxResources document on stdin and runc\'s flags, writes the cgroup and the stored spec, refuses what it cannot apply', () => {
    const root = join(tree.base, 'runc-state');
    const bundle = join(tree.base, 'runc-bundle');
    mkdirSync(bundle);
    assert.equal(runc(root, ['spec', '--bundle', bundle]).status, 0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.root = { path: tree.root, readonly: true };
    config.process.terminal = false;
    config.process.args = ['sleep', '60'];
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    const run = runc(root, ['run', '--detach', '--bundle', bundle, 'upd']);
    assert.equal(run.status, 0, run.stderr);
    try {
      // What containerd sends: every group, unset fields as zero, devices included (left alone, as runc does).
      const document = { memory: { limit: 48 * MIB, reservation: 0, swap: 0 }, cpu: { shares: 0, quota: 30000, period: 100000, cpus: '', mems: '' }, pids: { limit: 33 }, blockIO: {}, devices: [{ allow: false, access: 'rwm' }] };
      const viaStdin = runc(root, ['update', '--resources', '-', 'upd'], JSON.stringify(document));
      assert.equal(viaStdin.status, 0, viaStdin.stderr);
      assert.equal(readCgroup('upd', 'memory.limit_in_bytes', 'memory.max'), String(48 * MIB));
      assert.equal(readCgroup('upd', 'pids.max', 'pids.max'), '33');
      assert.equal(readCgroup('upd', 'cpu.cfs_quota_us', 'cpu.max').split(' ')[0], '30000');

      const viaFlags = runc(root, ['update', '--memory', '40m', '--pids-limit', '21', 'upd']);
      assert.equal(viaFlags.status, 0, viaFlags.stderr);
      assert.equal(readCgroup('upd', 'memory.limit_in_bytes', 'memory.max'), String(40 * MIB));
      assert.equal(readCgroup('upd', 'pids.max', 'pids.max'), '21');
      const stored = JSON.parse(readFileSync(join(root, 'upd', 'config.json'), 'utf8'));
      assert.deepEqual([stored.linux.resources.memory.limit, stored.linux.resources.pids.limit, stored.linux.resources.cpu.quota], [40 * MIB, 21, 30000]);

      const unsupported = runc(root, ['update', '--resources', '-', 'upd'], JSON.stringify({ memory: { reservation: 1000000 } }));
      assert.equal(unsupported.status, 1);
      assert.match(unsupported.stderr, /level=error msg="linux\.resources\.memory\.reservation cannot be updated: ts-nspawn does not apply it"/);
      assert.equal(runc(root, ['update', '--kernel-memory', '1m', 'upd']).status, 1);
    } finally {
      assert.equal(runc(root, ['delete', '--force', 'upd']).status, 0);
    }
  });
});
