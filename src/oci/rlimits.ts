/** The resource limits a spec may set (setrlimit(2)); the executor maps each name to its number. */
export const RLIMIT_TYPES: ReadonlySet<string> = new Set([
  'RLIMIT_AS', 'RLIMIT_CORE', 'RLIMIT_CPU', 'RLIMIT_DATA', 'RLIMIT_FSIZE', 'RLIMIT_LOCKS', 'RLIMIT_MEMLOCK', 'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE', 'RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_RSS', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME', 'RLIMIT_SIGPENDING', 'RLIMIT_STACK',
]);

/** RLIM_INFINITY is 2^64-1, which a JSON number can only approximate: anything from 2^64-1 up means unlimited. */
export function rlimitValue(value: number): number | 'infinity' {
  return value >= 2 ** 64 - 1 ? 'infinity' : value;
}
