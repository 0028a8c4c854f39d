/** `state ID`: the OCI state as JSON. */
import { print } from '../../cli/output.js';
import { checkId } from '../bundle.js';
import type { RuncCommand } from '../command.js';
import { rootfsOf } from '../rootfs.js';
import { ociState } from '../state.js';

export const stateCommand: RuncCommand = {
  name: 'state',
  usage: 'state ID',
  summary: 'output the state of a container',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(_, [id = '']) {
    const { requireContainer } = await import('../../runtime/lifecycle.js');
    const record = await requireContainer(checkId(id));
    print(`${JSON.stringify(ociState(record, rootfsOf(record.id)), null, 2)}\n`);
    return 0;
  },
};
