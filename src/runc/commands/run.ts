/**
 * `run [--bundle DIR] [--detach] [--pid-file F] [--console-socket S]
 * [--pidfd-socket S] [--preserve-fds N] ID`: create and start. Detached, it returns once the process runs (the engine
 * reaps it); in the foreground it waits and exits with the container's
 * status, passing signals on.
 */
import { checkId, readBundle } from '../bundle.js';
import { string, type RuncCommand } from '../command.js';
import { preserveCount, preservedFds } from '../preserved-fds.js';
import { CREATE_OPTIONS, createFromBundle } from './create.js';

export const runCommand: RuncCommand = {
  name: 'run',
  usage: 'run [--bundle DIR] [--detach] [--pid-file FILE] [--console-socket SOCKET] [--pidfd-socket SOCKET] [--preserve-fds N] ID',
  summary: 'create and start a container',
  options: { ...CREATE_OPTIONS, detach: { type: 'boolean', short: 'd' }, keep: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(values, [id = '']) {
    if (values.detach) {
      await createFromBundle(id, values);
      const { startCreated } = await import('../../runtime/start.js');
      await startCreated(id);
      return 0;
    }
    checkId(id);
    const passFds = preservedFds(preserveCount(values));
    const { spec } = readBundle(string(values.bundle) ?? process.cwd());
    const [{ forwardWhileRunning }, { startContainer }] = await Promise.all([import('../../cli/foreground.js'), import('../../runtime/container.js')]);
    const status = await forwardWhileRunning(() => startContainer(spec, { name: id, escape: 'none', passFds, pidfdSocket: string(values['pidfd-socket']) }));
    return status.status;
  },
};
