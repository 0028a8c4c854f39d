/**
 * cgroup v2: one unified hierarchy. Controllers must be enabled in every
 * ancestor's cgroup.subtree_control, and a cgroup that holds processes
 * cannot enable them for its children, hence the top-level parent. Device
 * rules are an eBPF program here, attached by the executor (bpf(2) is C's
 * job), so setLimits leaves them out.
 *
 * Rootless, the manager works below a delegated cgroup (delegated.ts): it
 * touches nothing above it, and empties it of processes first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError } from '../errors.js';
import type { LinuxResources } from '../oci/types.js';
import { killEach, limitError, makeDirectory, pidsBelow, readControlFile, readKeyed, readNumber, removeTree, sleepMs, writeControlFile } from './files.js';
import { blkioWeightToIoWeight, sharesToWeight, swapMaxV2 } from './convert.js';
import type { Hierarchy } from './hierarchies.js';
import type { CgroupEntry, CgroupManager, CgroupStats } from './manager.js';
import { vacate } from './delegated.js';
import { enableUnifiedHugetlb, v2ThrottleWrites } from './throttles.js';

/** The controllers limits are written to, enabled down to the container where the host has them. */
const CONTROLLERS = ['cpu', 'cpuset', 'io', 'memory', 'pids'];

export class V2Manager implements CgroupManager {
  readonly layout = 'unified';
  private readonly mountPoint: string;
  /** The highest cgroup the manager may write: the hierarchy's root, or a delegated cgroup. */
  private readonly top: string;
  private readonly delegated: boolean;

  constructor(hierarchies: Hierarchy[], delegatedRoot?: string) {
    this.mountPoint = hierarchies[0]!.mountPoint;
    this.top = delegatedRoot ?? this.mountPoint;
    this.delegated = delegatedRoot !== undefined;
  }

  directories(path: string): string[] {
    return [join(this.mountPoint, path)];
  }

  directoriesOf(pid: number): string[] {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((entry) => entry.startsWith('0::'));
    if (!line) throw new ContainerError(`process ${pid} is in no cgroup v2`, { code: 'host' });
    return [join(this.mountPoint, line.slice(3))];
  }

  create(path: string): string[] {
    const directory = join(this.mountPoint, path);
    if (!directory.startsWith(`${this.top}/`)) throw new ContainerError(`the cgroup ${path} is not below ${this.top}, the cgroup this runtime may manage`, { code: 'host' });
    if (this.delegated) vacate(this.top);
    try {
      // Enable the controllers in every ancestor (not in the container's own: its processes forbid it).
      let level = this.top;
      for (const part of directory.slice(this.top.length).split('/').filter(Boolean)) {
        enableControllers(level);
        level = join(level, part);
        makeDirectory(level);
      }
    } catch (error) {
      removeTree(directory);
      throw new ContainerError(`cannot create the container's cgroup ${path}: ${(error as Error).message}`, { code: 'host' });
    }
    return [directory];
  }

  /** Cloned straight into its cgroup: never moved. */
  entry(directories: string[]): CgroupEntry {
    return { cloneInto: directories[0], selfJoin: [] };
  }

  deviceProgramDirectory(directories: string[]): string | undefined {
    return directories[0];
  }

  setLimits(directories: string[], resources: LinuxResources): string[] {
    const directory = directories[0]!;
    const unsupported: string[] = [];
    const write = (field: string, file: string, value: string | number) => {
      const path = join(directory, file);
      if (readControlFile(path) === undefined) return void unsupported.push(field);
      try {
        writeControlFile(path, String(value));
      } catch (error) {
        throw limitError(path, String(value), error);
      }
    };
    if (resources.pids) write('pids', 'pids.max', resources.pids.limit > 0 ? resources.pids.limit : 'max');
    const memory = resources.memory;
    if (memory?.limit !== undefined) write('memory', 'memory.max', memory.limit > 0 ? memory.limit : 'max');
    // memory.swap.max is the swap alone, independent of memory.max: no order to keep.
    if (memory?.swap) write('memory.swap', 'memory.swap.max', swapMaxV2(memory.swap, memory.limit));
    const cpu = resources.cpu;
    if (cpu?.quota !== undefined || cpu?.period !== undefined) {
      const quota = cpu.quota === undefined || cpu.quota <= 0 ? 'max' : cpu.quota;
      write('cpu', 'cpu.max', `${quota} ${cpu.period ?? 100000}`);
    }
    if (cpu?.shares) write('cpu', 'cpu.weight', sharesToWeight(cpu.shares));
    if (cpu?.mems) write('cpuset', 'cpuset.mems', cpu.mems);
    if (cpu?.cpus) write('cpuset', 'cpuset.cpus', cpu.cpus);
    const weight = resources.blockIO?.weight;
    if (weight) {
      // bfq's weight takes blkio.weight's range; io.weight (1..10000) is the fallback, as runc does.
      if (readControlFile(join(directory, 'io.bfq.weight')) !== undefined) write('blockIO.weight', 'io.bfq.weight', weight);
      else write('blockIO.weight', 'io.weight', blkioWeightToIoWeight(weight));
    }
    // hugetlb only for a container that asks for a limit of it.
    if (resources.hugepageLimits?.length) enableUnifiedHugetlb(this.top, directory);
    for (const { field, file, value } of v2ThrottleWrites(resources)) write(field, file, value);
    return [...new Set(unsupported)];
  }

  stats(directories: string[]): CgroupStats {
    const directory = directories[0]!;
    const io = ioBytes(readControlFile(join(directory, 'io.stat')));
    const usageUsec = readKeyed(join(directory, 'cpu.stat')).get('usage_usec');
    return {
      cpuUsageUsec: usageUsec,
      cpuUsageNs: usageUsec === undefined ? undefined : usageUsec * 1000,
      memoryCurrentBytes: readNumber(join(directory, 'memory.current')),
      memoryPeakBytes: readNumber(join(directory, 'memory.peak')),
      memoryLimitBytes: readNumber(join(directory, 'memory.max')),
      // memory.events counts the whole subtree (memory.events.local only the cgroup itself).
      oomKills: readKeyed(join(directory, 'memory.events')).get('oom_kill'),
      pids: readNumber(join(directory, 'pids.current')) ?? this.pids(directories).length,
      pidsLimit: readNumber(join(directory, 'pids.max')),
      pidsLimitHits: readKeyed(join(directory, 'pids.events')).get('max'),
      ioReadBytes: io?.read,
      ioWriteBytes: io?.write,
    };
  }

  endCounters(directories: string[]): Pick<CgroupStats, 'pidsLimitHits' | 'oomKills' | 'memoryLimitBytes'> {
    const directory = directories[0];
    if (!directory) return {};
    return {
      pidsLimitHits: readKeyed(join(directory, 'pids.events')).get('max'),
      oomKills: readKeyed(join(directory, 'memory.events')).get('oom_kill'),
      memoryLimitBytes: readNumber(join(directory, 'memory.max')),
    };
  }

  pids(directories: string[]): number[] {
    return directories[0] ? pidsBelow(directories[0]) : [];
  }

  killAll(directories: string[]): void {
    const directory = directories[0]!;
    // cgroup.kill (Linux 5.14) kills the whole subtree atomically.
    if (readControlFile(join(directory, 'cgroup.kill')) !== undefined) {
      writeControlFile(join(directory, 'cgroup.kill'), '1');
      return;
    }
    this.freeze(directories);
    try {
      killEach(this.pids(directories));
    } finally {
      this.thaw(directories);
    }
  }

  freeze(directories: string[]): void {
    const directory = directories[0]!;
    writeControlFile(join(directory, 'cgroup.freeze'), '1');
    for (let attempt = 0; attempt < 1000; attempt++) {
      if (/^frozen 1$/m.test(readControlFile(join(directory, 'cgroup.events')) ?? '')) return;
      sleepMs(1);
    }
  }

  thaw(directories: string[]): void {
    writeControlFile(join(directories[0]!, 'cgroup.freeze'), '0');
  }

  frozen(directories: string[]): boolean {
    return directories[0] !== undefined && readControlFile(join(directories[0], 'cgroup.freeze'))?.trim() === '1';
  }

  remove(directories: string[]): void {
    for (const directory of directories) removeTree(directory);
  }
}

/** Adds the wanted controllers the cgroup has but does not yet pass on to its children. */
function enableControllers(directory: string): void {
  const available = (readControlFile(join(directory, 'cgroup.controllers')) ?? '').split(/\s+/);
  const enabled = (readControlFile(join(directory, 'cgroup.subtree_control')) ?? '').split(/\s+/);
  const missing = CONTROLLERS.filter((name) => available.includes(name) && !enabled.includes(name));
  if (missing.length === 0) return;
  try {
    writeControlFile(join(directory, 'cgroup.subtree_control'), missing.map((name) => `+${name}`).join(' '));
  } catch (error) {
    throw new Error(`cannot enable the ${missing.join(', ')} controllers in ${directory} (does it hold processes? choose another --cgroup-parent): ${(error as Error).message}`);
  }
}

/** io.stat lines "MAJ:MIN rbytes=N wbytes=N rios=N ...". */
function ioBytes(text: string | undefined): { read: number; write: number } | undefined {
  if (text === undefined) return undefined;
  const totals = { read: 0, write: 0 };
  for (const match of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (match[1] === 'r') totals.read += Number(match[2]);
    else totals.write += Number(match[2]);
  }
  return totals;
}
