/**
 * Secure defaults of `run` (issue 8): capabilities, no_new_privs, the
 * seccomp filter and the options that change them, seen from inside.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { CLI, runCli } from '../helpers/cli.js';
import { cachedDebianTree } from '../helpers/debian-tree.js';
import { makeOverlay } from '../helpers/overlay.js';
import { PtySession } from '../helpers/pty.js';
import { useBusyboxTree } from '../helpers/suite.js';

const PROBE_SOURCE = fileURLToPath(new URL('../fixtures/seccomp-probe.c', import.meta.url));

const CAP_DAC_READ_SEARCH = 2n;
const CAP_NET_ADMIN = 12n;
const CAP_SYS_PTRACE = 19n;
const CAP_SYS_ADMIN = 21n;

describe('security defaults', () => {
  const tree = useBusyboxTree('secure');
  before(() => {
    execFileSync('gcc', ['-static', '-O2', '-o', join(tree.root, 'bin/seccomp-probe'), PROBE_SOURCE]);
  });

  const run = async (command: string[], ...flags: string[]) => {
    const result = await runCli(['run', '-P', ...flags, '-D', tree.root, ...command]);
    assert.equal(result.stderr, '', result.stderr);
    assert.equal(result.status, 0);
    return result.stdout;
  };
  /** The probe's "NAME RESULT" lines as a record. */
  const probe = async (calls: string[], ...flags: string[]) =>
    Object.fromEntries((await run(['/bin/seccomp-probe', ...calls], ...flags)).trim().split('\n').map((line) => line.split(' ')));
  const status = async (...flags: string[]) => {
    const text = await run(['/bin/cat', '/proc/self/status'], ...flags);
    return Object.fromEntries(text.split('\n').filter(Boolean).map((line) => line.split(/:\s*/)));
  };
  const hasBit = (mask: string, bit: bigint) => ((BigInt(`0x${mask}`) >> bit) & 1n) === 1n;

  it('runs without SYS_ADMIN or DAC_READ_SEARCH, with no_new_privs and a seccomp filter', async () => {
    const s = await status();
    assert.equal(s.CapEff, '00000000880405fb');
    assert.equal(s.CapBnd, '00000000880405fb');
    for (const bit of [CAP_DAC_READ_SEARCH, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_ADMIN]) assert.ok(!hasBit(s.CapEff, bit), `bit ${bit}`);
    assert.equal(s.NoNewPrivs, '1');
    assert.equal(s.Seccomp, '2');
  });

  it('gives a non-root user no capabilities, not even in the bounding set', async () => {
    const s = await status('-u', '1000');
    assert.deepEqual([s.CapEff, s.CapPrm, s.CapBnd], ['0000000000000000', '0000000000000000', '0000000000000000']);
    assert.equal(s.NoNewPrivs, '1');
  });

  it('blocks what the default profile blocks, with EPERM (ENOSYS for clone3)', async () => {
    const calls = ['keyctl', 'bpf', 'userfaultfd', 'unshare-user', 'netlink-audit', 'personality-no-aslr', 'clone3', 'personality-query', 'mkdir'];
    assert.deepEqual(await probe(calls), {
      keyctl: 'EPERM',
      bpf: 'EPERM',
      userfaultfd: 'EPERM',
      'unshare-user': 'EPERM',
      'netlink-audit': 'EPERM',
      'personality-no-aslr': 'EPERM',
      clone3: 'ENOSYS',
      'personality-query': 'ok',
      mkdir: 'ok',
    });
    // busybox's own tools say the same.
    assert.match(await run(['/bin/sh', '-c', 'unshare -U true 2>&1; mount -t tmpfs t /tmp 2>&1; echo done']), /Operation not permitted[\s\S]*done/);
  });

  it('--seccomp=unconfined loads no filter', async () => {
    assert.equal((await status('--seccomp=unconfined')).Seccomp, '0');
    assert.equal((await probe(['keyctl'], '--seccomp=unconfined')).keyctl, 'ok');
  });

  it('--no-new-privileges=false leaves no_new_privs off (the filter is loaded early then)', async () => {
    const s = await status('--no-new-privileges=false');
    assert.equal(s.NoNewPrivs, '0');
    assert.equal(s.Seccomp, '2');
  });

  it('--capability and --drop-capability change the set; the filter follows it', async () => {
    const all = await status('--capability', 'all');
    assert.ok(hasBit(all.CapEff, CAP_SYS_ADMIN));
    // With CAP_SYS_ADMIN the profile lets mount and unshare through, as Docker's does.
    assert.equal(await run(['/bin/sh', '-c', 'mount -t tmpfs t /tmp && echo mounted'], '--capability', 'SYS_ADMIN'), 'mounted\n');
    const dropped = await status('--drop-capability', 'CAP_CHOWN', '--drop-capability', 'kill');
    assert.equal(dropped.CapEff, '00000000880405da');
    assert.equal((await status('--drop-capability', 'all')).CapEff, '0000000000000000');
  });

  it('--privileged: every capability, no filter, no no_new_privs', async () => {
    const s = await status('--privileged');
    assert.ok(hasBit(s.CapEff, CAP_SYS_ADMIN) && hasBit(s.CapEff, CAP_DAC_READ_SEARCH));
    assert.deepEqual([s.Seccomp, s.NoNewPrivs], ['0', '0']);
  });

  it('--seccomp-profile takes a Docker/OCI JSON profile', async () => {
    const profile = join(tree.base, 'no-mkdir.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    assert.deepEqual(await probe(['mkdir', 'keyctl'], '--seccomp-profile', profile), { mkdir: 'EPERM', keyctl: 'ok' });
    const result = await runCli(['run', '-P', '--seccomp-profile', join(tree.base, 'missing.json'), '-D', tree.root, '/bin/true']);
    assert.equal(result.status, 125);
    assert.match(result.stderr, /^ts-nspawn: cannot read the seccomp profile .*missing\.json/);
  });

  it('gives each exec the container\'s settings: capabilities, no_new_privs, filter', async () => {
    const name = 'secure-exec';
    const started = await runCli(['run', '-d', '-M', name, '-D', tree.root, '/bin/sleep', '30']);
    assert.equal(started.status, 0, started.stderr);
    try {
      const fields = async (...args: string[]) => {
        const result = await runCli(['exec', ...args, name, '/bin/cat', '/proc/self/status']);
        assert.equal(result.status, 0, result.stderr);
        return Object.fromEntries(result.stdout.split('\n').filter(Boolean).map((line) => line.split(/:\s*/)));
      };
      const s = await fields();
      assert.deepEqual([s.CapEff, s.NoNewPrivs, s.Seccomp], ['00000000880405fb', '1', '2']);
      const user = await fields('-u', '1000');
      assert.deepEqual([user.CapEff, user.CapBnd, user.NoNewPrivs, user.Seccomp], ['0000000000000000', '0000000000000000', '1', '2']);
    } finally {
      await runCli(['rm', '-f', name]);
    }
  });

  it('pings without CAP_NET_RAW in a private network (ICMP sockets, ping_group_range)', async () => {
    // iputils' ping (the Debian tree's) falls back to an ICMP socket; busybox's only knows raw
    // sockets. Debian installs it with the file capability cap_net_raw+ep, which the kernel
    // refuses to exec (EPERM) when NET_RAW is outside the bounding set, as under podman: a
    // copy (cp drops the capability) shows the ICMP socket path.
    const overlay = makeOverlay(await cachedDebianTree(), 'pinger');
    try {
      const result = await runCli(['run', '-P', '-D', overlay.root, '/bin/sh', '-c',
        'cat /proc/sys/net/ipv4/ping_group_range; ping -c1 127.0.0.1 2>&1 | grep -c "Operation not permitted"; ' +
        'cp /usr/bin/ping /tmp/ping && /tmp/ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok']);
      assert.equal(result.stdout, '0\t2147483647\n1\nping-ok\n', result.stderr);
    } finally {
      overlay.remove();
    }
  });

  it('never lets -P on a terminal push input into it (TIOCSTI)', async () => {
    // stdin is the terminal; the container runs in its own session without it as controlling tty.
    const session = new PtySession([CLI, 'run', '-P', '-D', tree.root, '/bin/seccomp-probe', 'tiocsti']);
    try {
      await session.expect(/tiocsti \w+/);
      assert.match(session.transcript, /tiocsti EPERM/);
      assert.equal(await session.exited, 0);
    } finally {
      session.close();
    }
  });
});
