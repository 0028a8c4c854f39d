/** `ts-nspawn list [--json]` and `ts-nspawn status NAME [--json]` */
import { print } from '../output.js';
import type { ContainerRecord } from '../../state/record.js';
import { option, type CommandDef } from '../command-line.js';

export const listCommand: CommandDef = {
  name: 'list',
  summary: 'list containers',
  usage: '[--json]',
  description: 'List containers: name, state, PID, address, uptime, root directory and command. Containers whose processes are gone are found and reported as stopped.',
  options: [option('json', 'print JSON')],
  async run(flags) {
    const { listContainers } = await import('../../runtime/lifecycle.js');
    const records = await listContainers();
    print(flags.json ? JSON.stringify(records.map(withUptime), null, 2) + '\n' : table(records));
    return 0;
  },
};

export const statusCommand: CommandDef = {
  name: 'status',
  summary: "one container's details",
  usage: '[--json] NAME',
  description: "Show one container's state: the OCI state fields and ts-nspawn's own.",
  options: [option('json', 'print JSON')],
  positionals: { min: 1, max: 1 },
  async run(flags, [name = '']) {
    const { requireContainer } = await import('../../runtime/lifecycle.js');
    const record = withUptime(await requireContainer(name));
    print(flags.json ? JSON.stringify(record, null, 2) + '\n' : details(record));
    return 0;
  },
};

function withUptime(record: ContainerRecord): ContainerRecord & { uptimeSeconds: number | null } {
  const running = record.status === 'running' && record.started;
  return { ...record, uptimeSeconds: running ? Math.round((Date.now() - Date.parse(record.started!)) / 1000) : null };
}

function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

function table(records: ContainerRecord[]): string {
  const rows = [
    ['NAME', 'STATE', 'PID', 'ADDRESS', 'UPTIME', 'ROOT', 'COMMAND'],
    ...records.map(withUptime).map((record) => [
      record.id,
      record.status === 'stopped' && record.exit ? `stopped (${record.exit.status})` : record.status,
      record.pid ? String(record.pid) : '-',
      record.addresses.join(',') || '-',
      formatUptime(record.uptimeSeconds),
      record.bundle,
      record.command.join(' '),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}

function details(record: ReturnType<typeof withUptime>): string {
  const lines: Array<[string, string]> = [
    ['Name', record.id],
    ['State', record.status + (record.exit ? ` (exit status ${record.exit.status})` : '')],
    ['PID', record.pid ? String(record.pid) : '-'],
    ['Root', record.bundle],
    ['Command', record.command.join(' ')],
    ['Mode', `${record.boot ? 'boot' : 'run'}${record.detached ? ', detached' : ''}${record.console ? ', console' : ''}`],
    ['Addresses', record.addresses.join(', ') || '-'],
    ['Host veth', record.hostInterfaces.join(', ') || '-'],
    ['Created', record.created],
    ['Uptime', formatUptime(record.uptimeSeconds)],
  ];
  return lines.map(([key, value]) => `${key.padStart(10)}: ${value}`).join('\n') + '\n';
}
