/** Summaries of timing samples and the number formats the report uses. */

export interface Summary {
  median: number;
  p10: number;
  p90: number;
  /** Sum of all samples: N sequential runs took this long end to end. */
  total: number;
  count: number;
}

/** Percentile with linear interpolation between closest ranks (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (rank - low);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((x, y) => x - y);
  return {
    median: percentile(sorted, 50),
    p10: percentile(sorted, 10),
    p90: percentile(sorted, 90),
    total: samples.reduce((sum, x) => sum + x, 0),
    count: samples.length,
  };
}

/** Nanoseconds (from process.hrtime.bigint differences) to milliseconds. */
export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

export function ms(value: number): string {
  return value.toFixed(value < 10 ? 2 : 1);
}

export function kib(value: number): string {
  return value >= 1024 ? `${(value / 1024).toFixed(1)} MiB` : `${value} KiB`;
}

export function perSecond(count: number, totalMs: number): string {
  return (count / (totalMs / 1000)).toFixed(1);
}
