/** `ts-nspawn status [--json] NAME` */
import { option, type CommandDef } from '../command-line.js';
import { details, withUptime } from '../container-table.js';
import { print } from '../output.js';

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
