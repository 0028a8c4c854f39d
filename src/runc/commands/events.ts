/**
 * `events [--stats] [--interval D] ID`: the container's resource use as
 * runc's `stats` events, one JSON object per line: `{"type":"stats",
 * "id":ID,"data":{cpu,memory,pids,blkio,...}}` with runc's field names and
 * units (CPU time in nanoseconds; zero counters left out as runc's
 * omitempty does). --stats prints one and exits; otherwise one every
 * interval (default 5s) until the container stops. OOM events are not
 * reported.
 */
import { print } from '../../cli/output.js';
import { ContainerError } from '../../errors.js';
import { initProblem } from '../../runtime/container-processes.js';
import { reconcile, requireContainer } from '../../runtime/lifecycle.js';
import { readContainerStats, type CgroupStats } from '../../runtime/stats.js';
import type { ContainerRecord } from '../../state/record.js';
import { checkId } from '../bundle.js';
import { string, type RuncCommand } from '../command.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("5s", "1m30s", "250ms") in milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) {
    throw new ContainerError(`invalid value "${text}" for flag -interval: parse error (a duration such as 5s, 500ms or 1m)`);
  }
  return parts.reduce((total, [, value, unit]) => total + Number(value) * UNIT_MS[unit!]!, 0);
}

/** Only what runc would not leave out: a number that is there and not zero. */
const present = (value: number | undefined): number | undefined => (value ? value : undefined);

/** CgroupStats in runc's `types.Stats` shape. */
export function runcStats(stats: CgroupStats): Record<string, unknown> {
  const io = [
    ...(stats.ioReadBytes !== undefined ? [{ op: 'Read', value: present(stats.ioReadBytes) }] : []),
    ...(stats.ioWriteBytes !== undefined ? [{ op: 'Write', value: present(stats.ioWriteBytes) }] : []),
  ];
  return {
    cpu: { usage: { total: present(stats.cpuUsageUsec === undefined ? undefined : stats.cpuUsageUsec * 1000), kernel: 0, user: 0 }, throttling: {} },
    memory: { usage: { usage: present(stats.memoryCurrentBytes), max: present(stats.memoryPeakBytes), failcnt: 0 } },
    pids: { current: present(stats.pids) },
    blkio: io.length > 0 ? { ioServiceBytesRecursive: io } : {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** Created or running, its PID 1 its own. */
const live = (record: ContainerRecord) => (record.status === 'created' || record.status === 'running') && !initProblem(record.init);

export const eventsCommand: RuncCommand = {
  name: 'events',
  usage: 'events [--stats] [--interval DURATION] ID',
  summary: "show the container's resource use (JSON lines), once or every interval",
  options: { stats: { type: 'boolean' }, interval: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(values, [id = '']) {
    const interval = parseDuration(string(values.interval) ?? '5s');
    if (interval <= 0) throw new ContainerError('duration interval must be greater than 0');
    const record = await requireContainer(checkId(id));
    // A created container has its cgroup and its counters already, as under runc.
    if (!live(record)) throw new ContainerError(`container with id ${id} is not running`);
    const event = (current: ContainerRecord) => print(`${JSON.stringify({ type: 'stats', id, data: runcStats(readContainerStats(current)) })}\n`);
    if (values.stats) {
      event(record);
      return 0;
    }
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, interval));
      const current = await reconcile(id);
      // Stopped (or deleted): the stream ends, as runc's does once the container's cgroup is gone.
      if (!current || !live(current)) return 0;
      event(current);
    }
  },
};
