/**
 * The spec's per-process attributes as executor steps: the names of
 * config.md (`SCHED_BATCH`, `IOPRIO_CLASS_IDLE`, `LINUX32`, `0-3,7`) become
 * the numbers of the kernel's headers, so the executor only makes calls.
 */
import type { Linux, Process } from '../oci/types.js';
import type { Step } from './steps.js';

/** <linux/sched.h> SCHED_*. */
export const SCHED_POLICIES: Readonly<Record<string, number>> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

/** <linux/sched.h> SCHED_FLAG_*. */
export const SCHED_FLAGS: Readonly<Record<string, number>> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** <linux/ioprio.h> IOPRIO_CLASS_*. */
export const IOPRIO_CLASSES: Readonly<Record<string, number>> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** <sys/personality.h> execution domains (the two the spec allows). */
export const PERSONALITY_DOMAINS: Readonly<Record<string, number>> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** The CPUs of a list such as `0-3,7` (spaces allowed); undefined if it is not one. */
export function parseCpuList(text: string): number[] | undefined {
  const cpus = new Set<number>();
  for (const part of text.split(',').map((item) => item.trim())) {
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) return undefined;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last >= 8192) return undefined;
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * The attributes init (or an exec'd process) gives itself before its
 * credentials change, while it still has the capabilities some need
 * (CAP_SYS_NICE for a real-time policy or class).
 */
export function processAttributeSteps(process: Process): Step[] {
  const steps: Step[] = [];
  if (process.oomScoreAdj !== undefined) steps.push({ op: 'oom-score-adj', value: process.oomScoreAdj });
  if (process.ioPriority) {
    steps.push({ op: 'io-priority', ioClass: IOPRIO_CLASSES[process.ioPriority.class] ?? 0, level: process.ioPriority.priority ?? 0 });
  }
  const scheduler = process.scheduler;
  if (scheduler) {
    steps.push({
      op: 'scheduler',
      policy: SCHED_POLICIES[scheduler.policy] ?? 0,
      flags: (scheduler.flags ?? []).reduce((mask, flag) => mask | (SCHED_FLAGS[flag] ?? 0), 0),
      nice: scheduler.nice ?? 0,
      priority: scheduler.priority ?? 0,
      runtime: scheduler.runtime ?? 0,
      deadline: scheduler.deadline ?? 0,
      period: scheduler.period ?? 0,
    });
  }
  if (process.apparmorProfile) steps.push({ op: 'exec-label', lsm: 'apparmor', label: process.apparmorProfile });
  if (process.selinuxLabel) steps.push({ op: 'exec-label', lsm: 'selinux', label: process.selinuxLabel });
  return steps;
}

export function personalityStep(linux: Linux | undefined): Step[] {
  const domain = linux?.personality?.domain;
  return domain === undefined ? [] : [{ op: 'personality', domain: PERSONALITY_DOMAINS[domain] ?? 0 }];
}

/** A new time namespace: made by the supervisor with its offsets, init cloned into it. */
export function timeNamespaceSteps(linux: Linux | undefined): Step[] {
  const offsets = linux?.timeOffsets ?? {};
  const clock = (name: string): [number, number] => [offsets[name]?.secs ?? 0, offsets[name]?.nanosecs ?? 0];
  return [{ op: 'time-namespace', monotonic: clock('monotonic'), boottime: clock('boottime') }];
}
