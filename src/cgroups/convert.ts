/**
 * The OCI spec writes its limits in cgroup v1's units (cpu.shares,
 * blkio.weight, memory+swap totals); cgroup v2 takes other ranges. These
 * are the conversions both backends and the front doors share.
 */

export const SHARES_MIN = 2;
export const SHARES_MAX = 262144;
export const WEIGHT_MIN = 1;
export const WEIGHT_MAX = 10000;
export const BLKIO_WEIGHT_MIN = 10;
export const BLKIO_WEIGHT_MAX = 1000;

/**
 * cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default
 * 100) with the log-quadratic curve runc (1.3.2+) and crun (1.23+) use: it
 * keeps the ends of both ranges and maps the v1 default onto the v2 default,
 * which the old linear formula did not (1024 became 39).
 */
export function sharesToWeight(shares: number): number {
  if (shares <= SHARES_MIN) return WEIGHT_MIN;
  if (shares >= SHARES_MAX) return WEIGHT_MAX;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  // Rounded to 9 digits first: 1024 must give exactly 100, not ceil(100.00000000000003).
  return Math.min(WEIGHT_MAX, Math.ceil(Number(Math.pow(10, exponent).toPrecision(9))));
}

/**
 * The largest cpu.shares whose cpu.weight is WEIGHT, so that `--cpu-weight
 * N` lands on v2 as exactly N, and 100 on v1 as the default 1024.
 */
export function weightToShares(weight: number): number {
  let low = SHARES_MIN;
  let high = SHARES_MAX;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (sharesToWeight(middle) <= weight) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** blkio.weight (10..1000) to io.weight (1..10000), linearly, as runc does; io.bfq.weight takes the v1 value. */
export function blkioWeightToIoWeight(weight: number): number {
  return Math.round(1 + ((weight - 10) * 9999) / 990);
}

/**
 * The OCI memory.swap is memory+swap (v1's memory.memsw.limit_in_bytes);
 * v2's memory.swap.max is the swap alone. -1 (or a total at or above
 * 2^63) is unlimited.
 */
export function swapMaxV2(swapTotal: number, memoryLimit: number | undefined): number | 'max' {
  if (swapTotal < 0) return 'max';
  if (memoryLimit === undefined || memoryLimit <= 0) throw new Error('a swap limit needs a memory limit');
  return Math.max(0, swapTotal - memoryLimit);
}

/** A value cgroupfs reports for "no limit" (v1 writes 2^63 rounded down to a page; v2 `max`). */
export function isUnlimited(value: number | undefined): boolean {
  return value === undefined || value >= 2 ** 62;
}

/** A cpuset list: numbers and ascending ranges, comma-separated (`0-2,4`). */
export function isCpuList(text: string): boolean {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) return false;
  return text.split(',').every((part) => {
    const [from = 0, to = from] = part.split('-').map(Number);
    return from <= to && to < 65536;
  });
}
