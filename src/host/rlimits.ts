/**
 * This process's hard rlimits, which the executor and the container's init
 * inherit: raising one needs CAP_SYS_RESOURCE (setrlimit(2)), which a
 * host's bounding set may lack.
 */
import { readFileSync } from 'node:fs';

/** /proc/self/limits lists the resources in the kernel's order (RLIMIT_CPU = 0, ...). */
const ORDER = ['CPU', 'FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'NPROC', 'NOFILE', 'MEMLOCK', 'AS', 'LOCKS', 'SIGPENDING', 'MSGQUEUE', 'NICE', 'RTPRIO', 'RTTIME'];

/** Hard limits by OCI name (RLIMIT_NOFILE); Infinity for `unlimited`. */
export function hardLimits(text = readFileSync('/proc/self/limits', 'utf8')): Map<string, number> {
  const limits = new Map<string, number>();
  text.split('\n').slice(1).filter(Boolean).forEach((line, index) => {
    // "Max open files            1024                 524288               files"
    const [, , hard] = /^.{26}(\S+)\s+(\S+)/.exec(line) ?? [];
    const name = ORDER[index];
    if (name && hard) limits.set(`RLIMIT_${name}`, hard === 'unlimited' ? Infinity : Number(hard));
  });
  return limits;
}

const CAP_SYS_RESOURCE = 24n;

export function hasSysResource(status = readFileSync('/proc/self/status', 'utf8')): boolean {
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
}
