/** Byte counts as the CLI shows them. */

/** A limit as it would be given (64M, 2G, 1536K, or bytes): exact, in binary units. */
export function formatLimit(bytes: number): string {
  for (const [unit, size] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}

/** An amount for a table: three significant digits in binary units (12.3MiB). */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '--';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3).replace(/\.?0+$/, '')}${units[unit]}`;
}

/** How an OOM kill is reported: for PID 1, or for other processes of the container. */
export function outOfMemoryLine(name: string, outOfMemory: { kills: number; limitBytes?: number }, initKilled: boolean): string {
  const limit = outOfMemory.limitBytes === undefined ? '' : ` (limit ${formatLimit(outOfMemory.limitBytes)})`;
  if (initKilled) return `ts-nspawn: container ${name} was killed: out of memory${limit}`;
  return `ts-nspawn: container ${name}: ${outOfMemory.kills} process(es) killed: out of memory${limit}`;
}
