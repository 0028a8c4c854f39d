/** What a container gets: PID 1, its own hostname, private mounts, read-only /sys, the /dev set. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { hostState } from '../helpers/host-state.js';
import { useBusyboxTree } from '../helpers/suite.js';

describe('isolation', () => {
  const tree = useBusyboxTree('isolated');
  const sh = (script: string, ...flags: string[]) => runCli(['run', ...flags, '-D', tree.root, '/bin/sh', '-c', script]);


  it('runs the command as PID 1 and hides host processes', async () => {
    const result = await sh('echo pid=$$; ps -o pid,comm; true');
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    const [pidLine, , ...processes] = result.stdout.trim().split('\n');
    assert.equal(pidLine, 'pid=1');
    // Only the shell (PID 1) and the ps it forked: no host process is visible.
    assert.deepEqual(
      processes.map((line) => line.trim().split(/\s+/)[1]),
      ['sh', 'ps'],
    );
  });

  it('sets the hostname to the machine name, or --hostname', async () => {
    assert.equal((await sh('hostname')).stdout, 'isolated\n');
    assert.equal((await sh('hostname', '-M', 'other')).stdout, 'other\n');
    assert.equal((await sh('hostname', '--hostname', 'h1')).stdout, 'h1\n');
  });

  it('keeps mounts made inside invisible on the host', async () => {
    // Mounting needs CAP_SYS_ADMIN, which a default `run` does not have.
    const result = await sh('mkdir -p /mnt/x && mount -t tmpfs tsn-private-probe /mnt/x && grep -c tsn-private-probe /proc/mounts', '--capability', 'SYS_ADMIN');
    assert.equal(result.stdout, '1\n');
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes('tsn-private-probe'));
  });

  it('switches root with pivot_root and detaches the old root', async () => {
    const result = await sh('cat /proc/self/mountinfo');
    const mountPoints = result.stdout.split('\n').map((line) => line.split(' ')[4]).filter(Boolean);
    assert.equal(mountPoints[0], '/', 'the container root is the first mount');
    assert.ok(!mountPoints.some((point) => point?.includes('tsn-test-')), 'no host path is mounted inside');
  });

  it('mounts /sys read-only and protects /proc', async () => {
    // Only paths this kernel has can be checked (some kernels lack kcore or sysrq).
    const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list'].filter((path) => existsSync(path));
    const readOnly = ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus'].filter((path) => existsSync(path));
    assert.ok(masked.length > 0 && readOnly.length > 0);
    const result = await sh(
      'touch /sys/x 2>/dev/null || echo sys-read-only; (echo x > /proc/sys/kernel/domainname) 2>/dev/null || echo procsys-read-only; ' +
        `for f in ${masked.join(' ')}; do echo "$f $(wc -c < $f)"; done; ` +
        `for f in ${readOnly.join(' ')}; do grep " $f " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1; done`,
    );
    assert.equal(
      result.stdout,
      ['sys-read-only', 'procsys-read-only', ...masked.map((path) => `${path} 0`), ...readOnly.map((path) => `${path} ro`)].join('\n') + '\n',
    );
  });

  it('builds /dev from exactly the seed set', async () => {
    const result = await sh('ls -A /dev | sort | tr "\\n" " "; echo; readlink /dev/ptmx; stat -c "%t:%T %a" /dev/null /dev/urandom /dev/tty');
    const [listing, ptmx, ...nodes] = result.stdout.trim().split('\n');
    assert.equal(listing?.trim(), 'fd full null ptmx pts random shm stderr stdin stdout tty urandom zero');
    assert.equal(ptmx, 'pts/ptmx');
    assert.deepEqual(nodes, ['1:3 666', '1:9 666', '5:0 666']);
  });

  it('gives the command a private network with only lo, up', async () => {
    const result = await sh('ip -o link show | cut -d: -f2 | tr -d " "; cat /sys/class/net/lo/operstate; ip -o addr show lo | grep -c "127.0.0.1"');
    assert.equal(result.stdout, 'lo\nunknown\n1\n');
  });

  it('shares the host network with --host-network', async () => {
    const inside = await sh('ip -o link show | wc -l', '--host-network');
    const outside = hostState().links.length;
    assert.equal(Number(inside.stdout.trim()), outside);
  });

  it('sets the environment: container, PATH, -E, --chdir, --user', async () => {
    const result = await sh('echo $container; echo $PATH; echo $FOO; pwd; id -u; id -g', '-E', 'FOO=bar baz', '--chdir', '/tmp', '-u', '1000');
    assert.equal(
      result.stdout,
      'ts-nspawn\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nbar baz\n/tmp\n1000\n1000\n',
    );
  });

  it('bind-mounts host paths, read-only with --bind-ro', async () => {
    const result = await sh(
      'cat /mnt/data/hostname; touch /mnt/data/new 2>/dev/null || echo read-only; cat /etc2/hostname',
      '--bind-ro',
      `${tree.root}/etc:/mnt/data`,
      '--bind',
      `${tree.root}/etc:/etc2`,
    );
    assert.equal(result.stdout, 'isolated\nread-only\nisolated\n');
  });
});
