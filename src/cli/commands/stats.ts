/** `ts-nspawn stats [--no-stream] [--json] [NAME...]` */
import { totalmem } from 'node:os';
import { isTerminal } from '../../host/terminal.js';
import { oneLine } from '../../quote.js';
import type { ContainerStats } from '../../runtime/stats.js';
import { option, type CommandDef } from '../command-line.js';
import { print } from '../output.js';
import { formatBytes } from '../sizes.js';

/** How far apart the two samples of CPU use are, and how often a terminal is redrawn. */
const INTERVAL_MS = 1000;

export const statsCommand: CommandDef = {
  name: 'stats',
  summary: 'resource use of running containers',
  usage: '[--no-stream] [--json] [NAME...]',
  description:
    'Show CPU use (100% = one CPU), memory use and limit, processes, network and block I/O of the named running containers, or of all. On a terminal the table is redrawn every second until Ctrl-C; otherwise, or with --no-stream or --json, one snapshot is printed (CPU use measured over one second).',
  options: [option('no-stream', 'print one snapshot and exit'), option('json', 'print one snapshot as JSON (bytes, CPU time in ns)')],
  positionals: { min: 0, max: Infinity },
  examples: ['ts-nspawn stats', 'ts-nspawn stats --no-stream --json web'],
  async run(flags, names) {
    const stream = !flags.noStream && !flags.json && isTerminal(1);
    const { sample, cpuPercent } = await sampler(names);
    let previous = await sample();
    await sleep(INTERVAL_MS);
    for (;;) {
      const current = await sample();
      const rows = current.map((stats) => {
        const before = previous.find((earlier) => earlier.name === stats.name);
        return { ...stats, cpuPercent: before ? cpuPercent(before, stats) : undefined };
      });
      if (flags.json) {
        print(JSON.stringify(rows, null, 2) + '\n');
        return 0;
      }
      // Home and clear, then the table: a redraw without flicker of old lines.
      print((stream ? '\x1b[H\x1b[2J' : '') + table(rows));
      if (!stream) return 0;
      previous = current;
      await sleep(INTERVAL_MS);
    }
  },
};

/**
 * Reads every container asked for (all running ones when none is named).
 * A named one that is not running is an error up front; one that stops
 * while the table runs just leaves it.
 */
async function sampler(names: string[]) {
  const [{ listContainers, requireRunning }, { cpuPercent, readContainerStats }] = await Promise.all([
    import('../../runtime/lifecycle.js'),
    import('../../runtime/stats.js'),
  ]);
  for (const name of names) await requireRunning(name);
  const sample = async (): Promise<ContainerStats[]> => {
    const records = names.length > 0 ? await Promise.all(names.map((name) => requireRunning(name).catch(() => undefined))) : await listContainers();
    return records.filter((record) => record?.status === 'running').map((record) => readContainerStats(record!));
  };
  return { sample, cpuPercent };
}

function table(rows: ContainerStats[]): string {
  const host = totalmem();
  const percent = (value: number | undefined) => (value === undefined ? '--' : `${value.toFixed(2)}%`);
  const pair = (a: number | undefined, b: number | undefined) => `${formatBytes(a)} / ${formatBytes(b)}`;
  const lines = [
    ['NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
    ...rows.map((stats) => {
      // Without a limit of its own, the container may use the host's memory, as podman shows it.
      const limit = stats.memoryLimitBytes ?? host;
      const memory = stats.memoryCurrentBytes;
      return [
        oneLine(stats.name),
        percent(stats.cpuPercent),
        pair(memory, limit),
        percent(memory === undefined ? undefined : (memory / limit) * 100),
        stats.netRxBytes === undefined ? '--' : pair(stats.netRxBytes, stats.netTxBytes),
        pair(stats.ioReadBytes, stats.ioWriteBytes),
        `${stats.pids}${stats.pidsLimit === undefined ? '' : ` / ${stats.pidsLimit}`}`,
      ];
    }),
  ];
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  return lines.map((line) => line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
