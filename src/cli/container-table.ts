/** How container records are shown: the `list` table and `status` details. */
import { oneLine } from '../quote.js';
import { outOfMemoryLine } from './sizes.js';
import { ANNOTATION } from '../oci/settings.js';
import { isPaused } from '../runtime/freezer.js';
import type { ListEntry } from '../runtime/lifecycle.js';
import type { ContainerRecord } from '../state/record.js';

export type ShownRecord = ContainerRecord & { uptimeSeconds: number | null };

export function withUptime(record: ContainerRecord): ShownRecord {
  const running = record.status === 'running' && record.started;
  return { ...record, uptimeSeconds: running ? Math.round((Date.now() - Date.parse(record.started!)) / 1000) : null };
}

function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

function stateText(record: ContainerRecord): string {
  if (record.error) return `${record.status} (${record.error.phase} failed)`;
  if (isPaused(record)) return 'paused';
  if (record.status !== 'stopped' || !record.exit) return record.status;
  return `stopped (${record.exit.status}${record.outOfMemory ? ', out of memory' : ''})`;
}

/** The `list` table; a corrupt record is one row saying why. Cells come from files: kept to one line. */
export function table(entries: Array<ContainerRecord | ListEntry>): string {
  const rows = [
    ['NAME', 'STATE', 'PID', 'ADDRESS', 'UPTIME', 'ROOT', 'COMMAND'],
    ...entries.map((entry) => {
      if ('name' in entry && !entry.record) return [entry.name, 'corrupt', '-', '-', '-', '-', `(${entry.corrupt ?? 'unreadable'})`];
      return row(withUptime('name' in entry ? entry.record! : entry));
    }),
  ].map((cells) => cells.map(oneLine));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}

function row(record: ShownRecord): string[] {
  return [
    record.id,
    stateText(record),
    record.pid ? String(record.pid) : '-',
    record.addresses.join(',') || '-',
    formatUptime(record.uptimeSeconds),
    record.bundle,
    record.command.join(' '),
  ];
}

export function details(record: ShownRecord): string {
  const lines: Array<[string, string]> = [
    ['Name', record.id],
    ['State', (isPaused(record) ? 'paused' : record.status) + (record.exit ? ` (exit status ${record.exit.status})` : '')],
    ...(record.outOfMemory ? [['OOM', outOfMemoryLine(record.id, record.outOfMemory, record.exit?.status === 137).replace(/^ts-nspawn: /, '')] as [string, string]] : []),
    ...(record.error ? [['Error', `${record.error.phase} failed: ${record.error.message}`] as [string, string]] : []),
    ['PID', record.pid ? String(record.pid) : '-'],
    ['Root', record.bundle],
    ['Command', record.command.join(' ')],
    ['Mode', `${record.boot ? 'boot' : 'run'}${record.detached ? ', detached' : ''}${record.console ? ', console' : ''}`],
    ['Addresses', record.addresses.join(', ') || '-'],
    ['Host veth', record.hostInterfaces.join(', ') || '-'],
    ...(record.networkHelper && record.status !== 'stopped'
      ? [['Network', `${record.annotations[ANNOTATION.helper] ?? 'user-mode'} (PID ${record.networkHelper.pid})`] as [string, string]]
      : []),
    ['Created', record.created],
    ['Uptime', formatUptime(record.uptimeSeconds)],
  ];
  return lines.map(([key, value]) => `${key.padStart(10)}: ${oneLine(value)}`).join('\n') + '\n';
}
