/** `ts-nspawn list [--json]` */
import { option, type CommandDef } from '../command-line.js';
import { table, withUptime } from '../container-table.js';
import { print } from '../output.js';

export const listCommand: CommandDef = {
  name: 'list',
  summary: 'list containers',
  usage: '[--json]',
  description: 'List containers: name, state, PID, address, uptime, root directory and command. Containers whose processes are gone are found and reported as stopped.',
  options: [option('json', 'print JSON')],
  async run(flags) {
    const { listEntries } = await import('../../runtime/lifecycle.js');
    const entries = await listEntries();
    const json = entries.map((entry) => (entry.record ? withUptime(entry.record) : { id: entry.name, status: 'corrupt', reason: entry.corrupt }));
    print(flags.json ? JSON.stringify(json, null, 2) + '\n' : table(entries));
    return 0;
  },
};
