/** `list [--format table|json] [--quiet]` */
import { print } from '../../cli/output.js';
import { ContainerError } from '../../errors.js';
import { string, type RuncCommand } from '../command.js';
import { rootfsOf } from '../rootfs.js';
import { ociState } from '../state.js';

export const listCommand: RuncCommand = {
  name: 'list',
  usage: 'list [--format table|json] [--quiet]',
  summary: 'list the containers in the state directory',
  options: { format: { type: 'string', short: 'f' }, quiet: { type: 'boolean', short: 'q' } },
  positionals: { min: 0, max: 0 },
  async run(values) {
    const format = string(values.format) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new ContainerError(`invalid format option ${JSON.stringify(format)}: table or json`);
    const { listContainers } = await import('../../runtime/lifecycle.js');
    const states = (await listContainers()).map((record) => ociState(record, rootfsOf(record.id)));
    if (values.quiet) {
      print(states.map((state) => `${state.id}\n`).join(''));
    } else if (format === 'json') {
      print(`${JSON.stringify(states)}\n`);
    } else {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner])];
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      print(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]! + 4)).join('').trimEnd()).join('\n') + '\n');
    }
    return 0;
  },
};
