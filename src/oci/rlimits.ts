import { ContainerError } from '../errors.js';
import type { RlimitOption } from './container-options.js';
import type { Rlimit } from './types.js';

/** The resource limits a spec may set (setrlimit(2)); the executor maps each name to its number. */
export const RLIMIT_TYPES: ReadonlySet<string> = new Set([
  'RLIMIT_AS', 'RLIMIT_CORE', 'RLIMIT_CPU', 'RLIMIT_DATA', 'RLIMIT_FSIZE', 'RLIMIT_LOCKS', 'RLIMIT_MEMLOCK', 'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE', 'RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_RSS', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME', 'RLIMIT_SIGPENDING', 'RLIMIT_STACK',
]);

/** RLIM_INFINITY is 2^64-1, which a JSON number can only approximate: anything from 2^64-1 up means unlimited. */
export function rlimitValue(value: number): number | 'infinity' {
  return value >= 2 ** 64 - 1 ? 'infinity' : value;
}

/** RLIM_INFINITY as the spec writes it. */
export const RLIM_INFINITY = 2 ** 64 - 1;

/** `--rlimit` values as `process.rlimits` entries: names with or without RLIMIT_, any case; `unlimited` is RLIM_INFINITY. */
export function rlimitEntries(options: readonly RlimitOption[]): Rlimit[] {
  const seen = new Set<string>();
  return options.map(({ name, soft, hard }) => {
    const type = `RLIMIT_${name.toUpperCase().replace(/^RLIMIT_/, '')}`;
    if (!RLIMIT_TYPES.has(type)) {
      throw new ContainerError(`unknown rlimit '${name}': use one of ${[...RLIMIT_TYPES].map((known) => known.slice(7)).join(', ')}`, { code: 'invalid-spec' });
    }
    if (seen.has(type)) throw new ContainerError(`--rlimit ${type.slice(7)} is given twice: give it once`, { code: 'invalid-spec' });
    seen.add(type);
    const value = (bound: number | 'unlimited') => (bound === 'unlimited' ? RLIM_INFINITY : bound);
    const entry = { type, soft: value(soft), hard: value(hard) };
    if (entry.soft > entry.hard) throw new ContainerError(`invalid --rlimit ${name}: the soft limit ${soft} is above the hard limit ${hard}`, { code: 'invalid-spec' });
    return entry;
  });
}
