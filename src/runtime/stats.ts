/**
 * A running container's resource use: its cgroup's counters (the same
 * numbers on every layout: bytes, cumulative CPU time) and the traffic of
 * its own network namespace, read from init's /proc/PID/net/dev. CPU use
 * as a percentage needs two samples (`cpuPercent`, or `sampleMs`).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { cgroupManager, type CgroupStats } from '../cgroups/manager.js';
import type { ContainerRecord } from '../state/record.js';
import { isOwnCgroupPath } from '../state/schema.js';
import { requireRunning } from './lifecycle.js';

export type { CgroupStats } from '../cgroups/manager.js';

export interface ContainerStats extends CgroupStats {
  name: string;
  /** When the counters were read, milliseconds since the epoch. */
  timestamp: number;
  /** Bytes received and sent on the container's interfaces (not loopback); undefined when it shares the host's network. */
  netRxBytes?: number;
  netTxBytes?: number;
  /** CPU use between two samples, 100 = one CPU fully busy (with `sampleMs`). */
  cpuPercent?: number;
}

export interface StatsOptions {
  /** Read twice, this many milliseconds apart, to give `cpuPercent`. */
  sampleMs?: number;
}

export async function containerStats(name: string, options: StatsOptions = {}): Promise<ContainerStats> {
  const record = await requireRunning(name);
  const first = readContainerStats(record);
  if (!options.sampleMs) return first;
  await new Promise((resolve) => setTimeout(resolve, options.sampleMs));
  const second = readContainerStats(record);
  return { ...second, cpuPercent: cpuPercent(first, second) };
}

/** The counters of a container whose record says it runs. */
export function readContainerStats(record: ContainerRecord): ContainerStats {
  const directories = record.cgroups.filter((path) => isOwnCgroupPath(path, record.id));
  const cgroup = cgroupManager().stats(directories);
  const net = networkBytes(record.pid);
  return { name: record.id, timestamp: Date.now(), ...cgroup, netRxBytes: net?.rx, netTxBytes: net?.tx };
}

/** CPU use between two samples of one container, in percent of one CPU (two busy CPUs: 200). */
export function cpuPercent(earlier: ContainerStats, later: ContainerStats): number | undefined {
  const elapsedMs = later.timestamp - earlier.timestamp;
  if (earlier.cpuUsageNs === undefined || later.cpuUsageNs === undefined || elapsedMs <= 0) return undefined;
  return Math.round(((later.cpuUsageNs - earlier.cpuUsageNs) / (elapsedMs * 1e6)) * 10000) / 100;
}

/** Totals of /proc/PID/net/dev (init's network namespace) without loopback; undefined for the host's namespace. */
function networkBytes(pid: number): { rx: number; tx: number } | undefined {
  let text: string;
  try {
    if (readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync('/proc/self/ns/net')) return undefined;
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  return parseNetDev(text);
}

/** "  eth0: RX-bytes packets errs drop fifo frame compressed multicast TX-bytes ..." after two header lines. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  const totals = { rx: 0, tx: 0 };
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    totals.rx += fields[0] ?? 0;
    totals.tx += fields[8] ?? 0;
  }
  return totals;
}
