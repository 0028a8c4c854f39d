/**
 * `update [--resources FILE|-] [--memory M --memory-swap M --cpu-quota N
 * --cpu-period N --cpu-share N --cpuset-cpus L --cpuset-mems L
 * --pids-limit N --blkio-weight N ...] ID`, as runc: engines pipe an OCI
 * LinuxResources document to `--resources -`. As in runc, a zero (or
 * empty) value leaves the limit as it is, and the device policy is not
 * changed by update; a limit ts-nspawn cannot apply is refused.
 */
import { readFileSync } from 'node:fs';
import { parseSize } from '../../cli/parse-values.js';
import { ContainerError } from '../../errors.js';
import type { LinuxResources } from '../../oci/types.js';
import { requireContainer } from '../../runtime/lifecycle.js';
import { updateContainer } from '../../runtime/update.js';
import { checkId } from '../bundle.js';
import { string, type RuncCommand, type Values } from '../command.js';

/** Flags runc has and ts-nspawn cannot apply: refused when given a non-zero value. */
const UNSUPPORTED_FLAGS = ['memory-reservation', 'kernel-memory', 'kernel-memory-tcp', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-idle', 'cpu-burst', 'l3-cache-schema', 'mem-bw-schema'];

export const updateCommand: RuncCommand = {
  name: 'update',
  usage: 'update [--resources FILE|-] [--memory M] [--memory-swap M] [--cpu-quota N] [--cpu-period N] [--cpu-share N] [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] [--blkio-weight N] ID',
  summary: "update a container's resource limits",
  options: Object.fromEntries(
    [
      ['resources', 'r'],
      ['memory'],
      ['memory-swap'],
      ['cpu-quota'],
      ['cpu-period'],
      ['cpu-share'],
      ['cpuset-cpus'],
      ['cpuset-mems'],
      ['pids-limit'],
      ['blkio-weight'],
      ...UNSUPPORTED_FLAGS.map((flag) => [flag]),
    ].map(([name, short]) => [name!, { type: 'string' as const, ...(short ? { short } : {}) }]),
  ),
  positionals: { min: 1, max: 1 },
  async run(values, [id = '']) {
    checkId(id);
    const source = string(values.resources);
    const resources = source !== undefined ? fromDocument(readResources(source)) : fromFlags(values);
    // Nothing to change is no reason to skip runc's check that the container exists.
    if (Object.keys(resources).length === 0) {
      await requireContainer(id);
      return 0;
    }
    try {
      await updateContainer(id, resources);
    } catch (error) {
      // runc's words for a container that has stopped.
      if (error instanceof ContainerError && error.code === 'not-running') throw new ContainerError('container not running', { code: 'not-running' });
      throw error;
    }
    return 0;
  },
};

function readResources(source: string): unknown {
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (error) {
    throw new ContainerError(`cannot read the resources from ${source === '-' ? 'stdin' : source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ContainerError(`the resources from ${source === '-' ? 'stdin' : source} are not valid JSON`);
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** runc's "unset": absent, null, 0, false, an empty string, list or object. */
const isSet = (value: unknown) =>
  value !== undefined && value !== null && value !== 0 && value !== false && value !== '' && !(Array.isArray(value) && value.length === 0) && !(isObject(value) && Object.keys(value).length === 0);

/** The LinuxResources fields ts-nspawn applies, by group; devices are left alone (runc's update ignores them too). */
const APPLIED: Record<string, string[]> = { memory: ['limit', 'swap'], cpu: ['shares', 'quota', 'period', 'cpus', 'mems'], pids: ['limit'], blockIO: ['weight'] };
const IGNORED = new Set(['devices']);

/** An OCI LinuxResources document: the set fields, each one ts-nspawn applies or an error naming it. */
export function fromDocument(document: unknown): LinuxResources {
  if (!isObject(document)) throw new ContainerError('the resources must be a JSON object (OCI linux.resources)');
  const resources: Record<string, Json> = {};
  for (const [group, value] of Object.entries(document)) {
    if (IGNORED.has(group) || !isSet(value)) continue;
    const fields = APPLIED[group];
    if (!fields || !isObject(value)) throw new ContainerError(`linux.resources.${group} cannot be updated: ts-nspawn does not apply it`);
    for (const [field, fieldValue] of Object.entries(value)) {
      if (!isSet(fieldValue)) continue;
      if (!fields.includes(field)) throw new ContainerError(`linux.resources.${group}.${field} cannot be updated: ts-nspawn does not apply it`);
      const expected = field === 'cpus' || field === 'mems' ? 'string' : 'number';
      if (typeof fieldValue !== expected) throw new ContainerError(`linux.resources.${group}.${field} must be a ${expected}`);
      (resources[group] ??= {})[field] = fieldValue;
    }
  }
  return resources as LinuxResources;
}

/** runc's flags; memory sizes take units (64m), as runc's do. */
function fromFlags(values: Values): LinuxResources {
  for (const flag of UNSUPPORTED_FLAGS) {
    const value = string(values[flag]);
    if (value !== undefined && value !== '0' && value !== '') throw new ContainerError(`--${flag} is not supported by ts-runc update`);
  }
  const number = (flag: string): number | undefined => {
    const value = string(values[flag]);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw new ContainerError(`invalid value ${JSON.stringify(value)} for flag --${flag}: expected a whole number`);
    return Number(value);
  };
  const size = (flag: string) => {
    const value = string(values[flag]);
    return value === undefined ? undefined : parseSize(value, `--${flag}`);
  };
  return fromDocument({
    memory: { limit: size('memory'), swap: size('memory-swap') },
    cpu: { quota: number('cpu-quota'), period: number('cpu-period'), shares: number('cpu-share'), cpus: string(values['cpuset-cpus']), mems: string(values['cpuset-mems']) },
    pids: { limit: number('pids-limit') },
    blockIO: { weight: number('blkio-weight') },
  });
}
