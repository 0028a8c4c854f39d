import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hardLimits, hasSysResource } from '../../src/host/rlimits.js';
import { limitResources } from '../../src/oci/resources.js';
import { RLIM_INFINITY, rlimitEntries } from '../../src/oci/rlimits.js';
import { mergeResources } from '../../src/runtime/update.js';
import { parseNetDev } from '../../src/runtime/stats.js';
import { parseRlimit, parseSize } from '../../src/cli/parse-values.js';
import { fromDocument } from '../../src/runc/commands/update.js';
import { assertContainerError } from './helpers/index.js';

describe('limitResources', () => {
  it('turns each limit given into linux.resources, and only those', () => {
    assert.deepEqual(limitResources({}), {});
    assert.deepEqual(limitResources({ memory: 64 << 20, memorySwap: 96 << 20, cpus: 1.5, cpuWeight: 100, cpusetCpus: '0-1', cpusetMems: '0', ioWeight: 300, pidsLimit: 0 }), {
      pids: { limit: -1 },
      memory: { limit: 64 << 20, swap: 96 << 20 },
      cpu: { quota: 150000, period: 100000, shares: 1024, cpus: '0-1', mems: '0' },
      blockIO: { weight: 300 },
    });
    assert.deepEqual(limitResources({ memory: 64 << 20, memorySwap: -1 }).memory, { limit: 64 << 20, swap: -1 });
    // The kernel's smallest quota is 1 ms.
    assert.deepEqual(limitResources({ cpus: 0.001 }).cpu, { quota: 1000, period: 100000 });
  });

  it('refuses values out of range in one line naming the value and the rule', () => {
    assertContainerError(() => limitResources({ memorySwap: 1 << 20 }), 'a swap limit needs a memory limit: add --memory');
    assertContainerError(() => limitResources({ memory: 2 << 20, memorySwap: 1 << 20 }), 'must be at least the memory limit 2097152');
    assertContainerError(() => limitResources({ cpuWeight: 10001 }), 'invalid CPU weight 10001', 'from 1 to 10000');
    assertContainerError(() => limitResources({ cpus: 0 }), 'invalid CPU limit 0');
    assertContainerError(() => limitResources({ cpusetCpus: '0-' }), 'invalid CPU list "0-"');
    assertContainerError(() => limitResources({ cpusetMems: 'x' }), 'invalid memory node list "x"');
    assertContainerError(() => limitResources({ ioWeight: 9 }), 'invalid I/O weight 9', 'from 10 to 1000');
    assertContainerError(() => limitResources({ pidsLimit: -2 }), 'invalid pids limit -2');
  });

  it('lets update give a swap limit alone, leaning on the container\'s memory limit', () => {
    assert.deepEqual(limitResources({ memorySwap: 1 << 20 }, { merged: true }), { memory: { swap: 1 << 20 } });
  });
});

describe('update: merging and runc\'s resources document', () => {
  it('merges field by field within each group', () => {
    const current = { memory: { limit: 64, swap: 128 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 10 }, devices: [{ allow: false }] };
    assert.deepEqual(mergeResources(current, { memory: { limit: 100 }, cpu: { cpus: '0' } }), {
      memory: { limit: 100, swap: 128 },
      cpu: { quota: 50000, period: 100000, cpus: '0' },
      pids: { limit: 10 },
      devices: [{ allow: false }],
    });
  });

  it('takes the set fields of a LinuxResources document, zero and empty as unset, devices ignored as runc does', () => {
    assert.deepEqual(
      fromDocument({ memory: { limit: 100, swap: 0, reservation: 0 }, cpu: { shares: 0, quota: 5000, cpus: '' }, pids: { limit: -1 }, blockIO: {}, hugepageLimits: [], devices: [{ allow: true }] }),
      { memory: { limit: 100 }, cpu: { quota: 5000 }, pids: { limit: -1 } },
    );
    assert.throws(() => fromDocument({ memory: { reservation: 5 } }), /linux\.resources\.memory\.reservation cannot be updated/);
    assert.throws(() => fromDocument({ rdma: { x: { hcaHandles: 1 } } }), /linux\.resources\.rdma cannot be updated/);
    assert.throws(() => fromDocument({ cpu: { cpus: 3 } }), /linux\.resources\.cpu\.cpus must be a string/);
    assert.throws(() => fromDocument([]), /must be a JSON object/);
  });
});

describe('rlimits', () => {
  it('parses --rlimit NAME=SOFT[:HARD] with unlimited', () => {
    assert.deepEqual(parseRlimit('NOFILE=1024:4096'), { name: 'NOFILE', soft: 1024, hard: 4096 });
    assert.deepEqual(parseRlimit('nproc=50'), { name: 'nproc', soft: 50, hard: 50 });
    assert.deepEqual(parseRlimit('RLIMIT_CORE=0:unlimited'), { name: 'RLIMIT_CORE', soft: 0, hard: 'unlimited' });
    assert.deepEqual(parseRlimit('core=-1'), { name: 'core', soft: 'unlimited', hard: 'unlimited' });
    for (const bad of ['NOFILE', 'NOFILE=', 'NOFILE=a', 'NOFILE=1:2:3', '=5', 'NOFILE=1.5']) {
      assertContainerError(() => parseRlimit(bad), `invalid --rlimit '${bad}'`, 'NAME=SOFT[:HARD]');
    }
  });

  it('becomes process.rlimits entries, names checked, soft at most hard, each once', () => {
    assert.deepEqual(rlimitEntries([{ name: 'nofile', soft: 10, hard: 20 }, { name: 'RLIMIT_CORE', soft: 'unlimited', hard: 'unlimited' }]), [
      { type: 'RLIMIT_NOFILE', soft: 10, hard: 20 },
      { type: 'RLIMIT_CORE', soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ]);
    assertContainerError(() => rlimitEntries([{ name: 'FILES', soft: 1, hard: 1 }]), "unknown rlimit 'FILES'", 'NOFILE');
    assertContainerError(() => rlimitEntries([{ name: 'NOFILE', soft: 2, hard: 1 }]), 'the soft limit 2 is above the hard limit 1');
    assertContainerError(() => rlimitEntries([{ name: 'NOFILE', soft: 1, hard: 1 }, { name: 'nofile', soft: 1, hard: 1 }]), 'NOFILE is given twice');
  });

  it('reads the hard limits of /proc/self/limits and CAP_SYS_RESOURCE from CapEff', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max cpu time              unlimited            unlimited            seconds   ',
      ...Array.from({ length: 6 }, (_, i) => `Max filler ${i}              1                    2                    x         `),
      'Max open files            1024                 20000                files     ',
    ].join('\n');
    const parsed = hardLimits(limits);
    assert.equal(parsed.get('RLIMIT_CPU'), Infinity);
    assert.equal(parsed.get('RLIMIT_NOFILE'), 20000);
    assert.equal(hasSysResource('CapEff:\t000001fffeffffff\n'), false);
    assert.equal(hasSysResource('CapEff:\t000001ffffffffff\n'), true);
  });
});

describe('values of the CLI and of /proc', () => {
  it('parses sizes in binary units', () => {
    assert.equal(parseSize('512k', '--memory'), 512 * 1024);
    assert.equal(parseSize('64M', '--memory'), 64 << 20);
    assert.equal(parseSize('2gb', '--memory'), 2 * 1024 ** 3);
    assert.equal(parseSize('1t', '--memory'), 1024 ** 4);
    assert.equal(parseSize('100', '--memory'), 100);
    assert.equal(parseSize('-1', '--memory-swap'), -1);
    assertContainerError(() => parseSize('1.5g', '--memory'), "invalid --memory '1.5g'");
  });

  it('sums /proc/PID/net/dev without loopback', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:  5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0',
      '  eth0:  1234      10    0    0    0     0          0         0      567       5    0    0    0     0       0          0',
      '  eth1:     6       1    0    0    0     0          0         0        4       1    0    0    0     0       0          0',
    ].join('\n');
    assert.deepEqual(parseNetDev(text), { rx: 1240, tx: 571 });
  });
});

describe('sizes as the CLI shows them', () => {
  it('shows a limit exactly as it would be given, and amounts with three digits', async () => {
    const { formatBytes, formatLimit, outOfMemoryLine } = await import('../../src/cli/sizes.js');
    assert.deepEqual([formatLimit(64 << 20), formatLimit(1536 * 1024), formatLimit(2 * 1024 ** 3), formatLimit(1000)], ['64M', '1536K', '2G', '1000B']);
    assert.deepEqual([formatBytes(0), formatBytes(1133568), formatBytes(64 << 20), formatBytes(undefined)], ['0B', '1.08MiB', '64MiB', '--']);
    assert.equal(outOfMemoryLine('web', { kills: 1, limitBytes: 64 << 20 }, true), 'ts-nspawn: container web was killed: out of memory (limit 64M)');
    assert.equal(outOfMemoryLine('web', { kills: 2 }, false), 'ts-nspawn: container web: 2 process(es) killed: out of memory');
  });
});
