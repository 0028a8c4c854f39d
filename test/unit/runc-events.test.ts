import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, runcStats } from '../../src/runc/commands/events.js';

describe('ts-runc events', () => {
  it('reads --interval as Go reads a duration', () => {
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    for (const bad of ['', '5', 's', '5 s', '5x', '-1s', '5s junk']) assert.throws(() => parseDuration(bad), /invalid value .* for flag -interval/, bad);
  });

  it('gives the stats in runc\'s shape and units, leaving zero counters out as runc does', () => {
    const data = runcStats({ cpuUsageUsec: 1500, memoryCurrentBytes: 4096, memoryPeakBytes: 8192, pids: 3, ioReadBytes: 0, ioWriteBytes: 512 });
    assert.deepEqual(JSON.parse(JSON.stringify(data)), {
      cpu: { usage: { total: 1_500_000, kernel: 0, user: 0 }, throttling: {} },
      memory: { usage: { usage: 4096, max: 8192, failcnt: 0 } },
      pids: { current: 3 },
      blkio: { ioServiceBytesRecursive: [{ op: 'Read' }, { op: 'Write', value: 512 }] },
      hugetlb: {},
      intel_rdt: {},
      network_interfaces: null,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(runcStats({ pids: 0 }))).blkio, {});
  });
});
