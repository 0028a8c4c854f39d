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
    const { listContainers } = await import('../../runtime/lifecycle.js');
    const records = await listContainers();
    print(flags.json ? JSON.stringify(records.map(withUptime), null, 2) + '\n' : table(records));
    return 0;
  },
};
