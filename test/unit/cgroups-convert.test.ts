import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blkioWeightToIoWeight, isCpuList, isUnlimited, sharesToWeight, swapMaxV2, weightToShares } from '../../src/cgroups/convert.js';

describe('cpu.shares <-> cpu.weight (runc\'s log-quadratic curve)', () => {
  it('keeps the ends of both ranges and maps the v1 default onto the v2 default', () => {
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(1024), 100);
    assert.equal(sharesToWeight(262144), 10000);
    // Out of range is clamped, not passed on as a value the kernel refuses.
    assert.equal(sharesToWeight(1), 1);
    assert.equal(sharesToWeight(1 << 20), 10000);
    // A few points of the curve, as runc computes them: ceil(10^((l^2 + 125 l)/612 - 7/34)), l = log2(shares).
    assert.equal(sharesToWeight(512), 59);
    assert.equal(sharesToWeight(2048), 174);
    assert.equal(sharesToWeight(3), 2);
  });

  it('is monotonic, and every weight 1..10000 has shares that map back onto it exactly', () => {
    let previous = 0;
    for (let shares = 2; shares <= 262144; shares += 7) {
      const weight = sharesToWeight(shares);
      assert.ok(weight >= previous, `shares ${shares}`);
      previous = weight;
    }
    for (let weight = 1; weight <= 10000; weight++) assert.equal(sharesToWeight(weightToShares(weight)), weight, `weight ${weight}`);
  });

  it('turns --cpu-weight into the largest such shares: 100 is v1\'s default 1024', () => {
    assert.equal(weightToShares(100), 1024);
    assert.equal(weightToShares(1), 2);
    assert.equal(weightToShares(10000), 262144);
    assert.equal(sharesToWeight(weightToShares(200) + 1), 201);
  });
});

describe('other conversions', () => {
  it('maps blkio.weight 10..1000 linearly onto io.weight 1..10000, as runc does', () => {
    assert.equal(blkioWeightToIoWeight(10), 1);
    assert.equal(blkioWeightToIoWeight(1000), 10000);
    assert.equal(blkioWeightToIoWeight(500), 4950);
  });

  it('turns the OCI memory+swap total into v2\'s swap alone; -1 is max', () => {
    assert.equal(swapMaxV2(96 << 20, 64 << 20), 32 << 20);
    assert.equal(swapMaxV2(64 << 20, 64 << 20), 0);
    assert.equal(swapMaxV2(-1, 64 << 20), 'max');
    assert.throws(() => swapMaxV2(96 << 20, undefined), /needs a memory limit/);
    assert.throws(() => swapMaxV2(96 << 20, -1), /needs a memory limit/);
  });

  it('takes v1\'s page-rounded 2^63 as unlimited', () => {
    assert.equal(isUnlimited(9223372036854771712), true);
    assert.equal(isUnlimited(undefined), true);
    assert.equal(isUnlimited(64 << 20), false);
  });

  it('accepts cpuset lists of numbers and ascending ranges only', () => {
    for (const good of ['0', '0-1', '0,2-3,5', '12-12']) assert.equal(isCpuList(good), true, good);
    for (const bad of ['', '1-0', '0,', 'a', '0-', '-1', '0 1', '0-1-2', '70000']) assert.equal(isCpuList(bad), false, bad);
  });
});
