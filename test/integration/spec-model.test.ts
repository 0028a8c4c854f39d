/**
 * The validated model at work: namespaces joined by path, rlimits, sysctls
 * and the umask reach the container; a refused spec is one line, exit 125.
 * Driven through the library (an OCI spec), like runContainer's callers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ContainerError } from '../../src/errors.js';
import { startContainer } from '../../src/runtime/container.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { Spec } from '../../src/oci/types.js';
import { runCli } from '../helpers/cli.js';
import { makeTestNetwork } from '../helpers/netns.js';
import { useBusyboxTree } from '../helpers/suite.js';

/** The PID of the (first) child of `pid`, once it has one. */
async function childOf(pid: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (children) return Number(children.split(' ')[0]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} has no child`);
}

describe('the spec model', () => {
  const tree = useBusyboxTree('model');

  const specFor = (script: string): Spec => buildSpec({ directory: tree.root, command: ['/bin/sh', '-c', script], user: '0:0' });

  /** The spec joins an existing network namespace instead: run's sysctls (ping_group_range) belong to a new one. */
  const joiningNetwork = (spec: Spec, path: string): Spec => {
    spec.linux!.namespaces = spec.linux!.namespaces!.map((ns) => (ns.type === 'network' ? { type: 'network', path } : ns));
    delete spec.linux!.sysctl;
    return spec;
  };

  /** Runs the spec with piped stdio; resolves with its status and output. */
  async function run(spec: Spec): Promise<{ status: number; stdout: string }> {
    const container = await startContainer(spec, { stdio: 'pipe' });
    container.stdin?.end();
    let stdout = '';
    container.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    container.stderr?.resume();
    const { status } = await container.exited;
    return { status, stdout };
  }

  it('joins a network namespace given by path', async () => {
    const network = makeTestNetwork(['10.231.7.1/24'], 'tsnmodel0');
    try {
      const spec = joiningNetwork(specFor('ip -o -4 address show dev tsnmodel0'), `/run/netns/${network.name}`);
      const { status, stdout } = await run(spec);
      assert.equal(status, 0);
      assert.match(stdout, /inet 10\.231\.7\.1\/24/);
    } finally {
      network.remove();
    }
  });

  it('joins a PID namespace given by path: the command is not its PID 1 and sees its processes', async () => {
    // A PID namespace whose PID 1 is a sleep (unshare forks it into the new namespace).
    const holder = spawn('unshare', ['--pid', '--fork', 'sleep', '300'], { stdio: 'ignore' });
    try {
      const sleepPid = await childOf(holder.pid ?? assert.fail('unshare did not start'));
      const spec = specFor('echo pid=$$; ps -o pid,comm');
      spec.linux!.namespaces = spec.linux!.namespaces!.map((ns) => (ns.type === 'pid' ? { type: 'pid', path: `/proc/${sleepPid}/ns/pid` } : ns));
      const { status, stdout } = await run(spec);
      assert.equal(status, 0);
      assert.doesNotMatch(stdout, /^pid=1$/m);
      assert.match(stdout, /^\s*1 sleep$/m);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => (holder.exitCode !== null ? resolve(null) : holder.once('exit', resolve)));
    }
  });

  it('passes an argument of 100,000 bytes (over the old 64 KiB token limit) to the command', async () => {
    const spec = specFor('echo ${#1}');
    spec.process!.args.push('sh', 'x'.repeat(100_000));
    const { status, stdout } = await run(spec);
    assert.equal(status, 0);
    assert.equal(stdout, '100000\n');
  });

  it('fails before anything runs when a namespace path does not exist', async () => {
    const spec = joiningNetwork(specFor('true'), '/run/netns/tsn-test-missing');
    await assert.rejects(run(spec), (error: unknown) => {
      assert.ok(error instanceof ContainerError);
      assert.equal(error.code, 'step-failed');
      assert.equal(error.step, 'join-ns');
      assert.equal(error.errno, 2);
      assert.match(error.message, /joining the net namespace \/run\/netns\/tsn-test-missing/);
      return true;
    });
  });

  it('applies rlimits: a lowered RLIMIT_NOFILE is what ulimit -n says', async () => {
    const spec = specFor('ulimit -n; ulimit -Hn');
    spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
    const { status, stdout } = await run(spec);
    assert.equal(status, 0);
    assert.equal(stdout, '321\n654\n');
  });

  it('names the rlimit when raising a hard limit is refused', async () => {
    // Above the kernel's nr_open, RLIMIT_NOFILE cannot be set by anyone.
    const nrOpen = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8'));
    const spec = specFor('true');
    spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: nrOpen + 1 }];
    await assert.rejects(run(spec), (error: unknown) => {
      assert.ok(error instanceof ContainerError);
      if (error.step === undefined) {
        // Without CAP_SYS_RESOURCE, preflight refuses any hard limit above ours before the executor starts.
        assert.equal(error.path, 'RLIMIT_NOFILE');
        assert.match(error.message, /^cannot raise the hard limit of RLIMIT_NOFILE to \d+: the most this host allows is \d+, and raising it needs CAP_SYS_RESOURCE/);
      } else {
        assert.equal(error.step, 'rlimit');
        assert.match(error.message, /^setting up the container failed while setting RLIMIT_NOFILE to soft 1024 hard \d+/);
      }
      assert.ok(!error.message.includes('\n'));
      return true;
    });
  });

  it('sets a namespaced sysctl inside, leaving the host value alone', async () => {
    const hostValue = readFileSync('/proc/sys/kernel/shmmax', 'utf8');
    const spec = specFor('cat /proc/sys/kernel/shmmax');
    spec.linux!.sysctl = { 'kernel.shmmax': '1234567' };
    const { status, stdout } = await run(spec);
    assert.equal(status, 0);
    assert.equal(stdout, '1234567\n');
    assert.equal(readFileSync('/proc/sys/kernel/shmmax', 'utf8'), hostValue);
  });

  it('starts the command with umask 0022 by default, or the spec\'s', async () => {
    const previous = process.umask(0o077);
    try {
      assert.equal((await run(specFor('umask'))).stdout, '0022\n');
      const spec = specFor('umask');
      spec.process!.user.umask = 0o027;
      assert.equal((await run(spec)).stdout, '0027\n');
    } finally {
      process.umask(previous);
    }
  });

  it('refuses a bad spec (a stored config.json through the library) in one line with paths, exit 125', async () => {
    const spec = specFor('true') as Spec & Record<string, unknown>;
    spec.linux!.namespaces = spec.linux!.namespaces!.filter((ns) => ns.type !== 'mount');
    spec.mounts!.push({ destination: 'relative', type: 'tmpfs', source: 'tmpfs' });
    spec.linux!.sysctl = { 'kernel.pid_max': '100' };
    await assert.rejects(run(spec), (error: unknown) => {
      assert.ok(error instanceof ContainerError);
      assert.equal(error.code, 'invalid-spec');
      assert.equal(error.exitCode, 125);
      assert.ok(!error.message.includes('\n'));
      assert.match(error.message, /linux\.namespaces: a new mount namespace is required/);
      assert.match(error.message, /mounts\[\d+\]\.destination: must be an absolute path/);
      assert.match(error.message, /linux\.sysctl\["kernel\.pid_max"\]: is not a namespaced sysctl/);
      return true;
    });
  });

  it('the CLI refuses a bad value in one line with its path, exit 125', async () => {
    const result = await runCli(['run', '-D', tree.root, '--hostname', 'bad name', '/bin/true']);
    assert.equal(result.status, 125);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^ts-nspawn: [^\n]*\n$/);
  });
});
