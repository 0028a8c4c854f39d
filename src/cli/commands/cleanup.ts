/** `ts-nspawn cleanup NAME`: the hidden exit hook a container's supervisor runs in its place. */
import { isRestartRequest } from '../../runtime/boot-policy.js';
import type { CommandDef } from '../command-line.js';

export const cleanupCommand: CommandDef = {
  name: 'cleanup',
  summary: "release a finished container's host resources",
  usage: 'NAME',
  description: "Run by a container's supervisor once PID 1 is gone.",
  options: [],
  positionals: { min: 1, max: 1 },
  hidden: true,
  async run(_, [name = '']) {
    const { reconcile } = await import('../../runtime/lifecycle.js');
    const record = await reconcile(name);
    // A booted OS that rebooted: start it again, as systemd-nspawn does.
    if (record?.boot && record.detached && !record.stopRequested && record.exit && isRestartRequest(record.exit)) {
      const { restartDetached } = await import('../../runtime/container.js');
      await restartDetached(name);
    }
    return 0;
  },
};
