/** `ts-nspawn update NAME [--memory SIZE] [--cpus N] [--pids-limit N] ...` */
import { UsageError, option, type CommandDef } from '../command-line.js';
import { LIMIT_OPTIONS, toResourceLimits } from '../container-flags.js';
import { print } from '../output.js';

export const updateCommand: CommandDef = {
  name: 'update',
  summary: "change a running container's limits",
  usage: '[OPTIONS] NAME',
  description:
    "Change the memory, CPU, process and I/O limits of a running (or created) container through its cgroup, and record them in its stored spec. Only the limits given change; a memory+swap limit must stay at least the memory limit.",
  options: [
    option('pids-limit', 'most processes at once (0 or -1: unlimited)', { value: 'N' }),
    ...LIMIT_OPTIONS,
    option('cpuset-mems', 'NUMA memory nodes the container may use', { value: 'LIST' }),
  ],
  positionals: { min: 1, max: 1 },
  examples: ['ts-nspawn update web --memory 1g --memory-swap 2g', 'ts-nspawn update web --cpus 1.5 --pids-limit 512'],
  async run(flags, [name = '']) {
    const limits = { ...toResourceLimits(flags), cpusetMems: typeof flags.cpusetMems === 'string' ? flags.cpusetMems : undefined };
    if (Object.values(limits).every((value) => value === undefined)) {
      throw new UsageError('update: nothing to change: give at least one limit, such as --memory or --pids-limit (see ts-nspawn update --help)');
    }
    const [{ limitResources }, { updateContainer }] = await Promise.all([import('../../oci/resources.js'), import('../../runtime/update.js')]);
    await updateContainer(name, limitResources(limits, { merged: true }));
    print(`${name}\n`);
    return 0;
  },
};
