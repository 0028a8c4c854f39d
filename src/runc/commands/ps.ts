/**
 * `ps [--format table|json] ID [PS-ARG...]`: the container's processes,
 * the PIDs in its cgroup as the host numbers them. json: a JSON array of
 * them (`null` when there are none, as runc prints it), what containerd's
 * `ctr task ps` and podman read; table: the host's `ps` (default `-ef`)
 * cut down to those PIDs.
 */
import { print } from '../../cli/output.js';
import { ContainerError } from '../../errors.js';
import { containerPids } from '../../runtime/process-list.js';
import { checkId } from '../bundle.js';
import { string, type RuncCommand } from '../command.js';

export const psCommand: RuncCommand = {
  name: 'ps',
  usage: 'ps [--format table|json] ID [PS-ARG...]',
  summary: 'show the processes running inside a container',
  options: { format: { type: 'string', short: 'f' } },
  positionals: { min: 1, max: 1 },
  trailing: true,
  async run(values, [id = '', ...rest]) {
    const psArgs = rest[0] === '--' ? rest.slice(1) : rest;
    const pids = await containerPids(checkId(id));
    const format = string(values.format) ?? 'table';
    if (format === 'json') {
      print(`${JSON.stringify(pids.length > 0 ? pids : null)}\n`);
      return 0;
    }
    if (format !== 'table') throw new ContainerError('invalid format option');
    const { spawnSync } = process.getBuiltinModule('node:child_process');
    const result = spawnSync('ps', psArgs.length > 0 ? psArgs : ['-ef'], { encoding: 'utf8' });
    if (result.error) throw new ContainerError(`cannot run ps: ${result.error.message}`);
    if (result.status !== 0) throw new ContainerError(`ps ${psArgs.join(' ')} failed (exit status ${result.status}): ${(result.stderr || result.stdout).trim().split('\n')[0]}`);
    const [header = '', ...lines] = result.stdout.split('\n');
    const column = header.trim().split(/\s+/).indexOf('PID');
    if (column < 0) throw new ContainerError("couldn't find PID field in ps output");
    const wanted = new Set(pids);
    const rows = lines.filter((line) => line.trim() !== '' && wanted.has(Number(line.trim().split(/\s+/)[column])));
    print([header, ...rows].map((line) => `${line}\n`).join(''));
    return 0;
  },
};
