/**
 * cgroup v1, alone ("legacy") or with a cgroup2 mount beside it ("hybrid",
 * which holds few or no controllers and is only joined). Each controller
 * has its own hierarchy, so the container's cgroup is one directory per
 * hierarchy and every limit is written where its controller lives.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError } from '../errors.js';
import type { LinuxResources } from '../oci/types.js';
import { v1DeviceWrites } from './device-rules.js';
import { enableUnifiedHugetlb, v1ThrottleWrites, v2ThrottleWrites } from './throttles.js';
import {
  directoryWith,
  killEach,
  limitError,
  makeDirectory,
  pidsBelow,
  readControlFile,
  readKeyed,
  readNumber,
  removeTree,
  sleepMs,
  writeControlFile,
} from './files.js';
import { isUnlimited } from './convert.js';
import { parseHierarchies, type Hierarchy } from './hierarchies.js';
import type { CgroupEntry, CgroupManager, CgroupStats } from './manager.js';

export class V1Manager implements CgroupManager {
  constructor(
    private readonly hierarchies: Hierarchy[],
    readonly layout: 'hybrid' | 'legacy',
  ) {}

  directories(path: string): string[] {
    return this.hierarchies.map((hierarchy) => join(hierarchy.mountPoint, path));
  }

  directoriesOf(pid: number): string[] {
    return parseHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync(`/proc/${pid}/cgroup`, 'utf8')).map((h) => h.ownDirectory);
  }

  create(path: string): string[] {
    const created: string[] = [];
    try {
      for (const hierarchy of this.hierarchies) {
        const directory = join(hierarchy.mountPoint, path);
        makeDirectory(directory);
        created.push(directory);
        // A new v1 cpuset is empty, and nobody can join an empty cpuset.
        if (hierarchy.controllers.includes('cpuset')) inheritCpuset(hierarchy.mountPoint, path);
      }
    } catch (error) {
      this.remove(created);
      throw new ContainerError(`cannot create the container's cgroup ${path}: ${(error as Error).message}`, { code: 'host' });
    }
    return created;
  }

  /**
   * The process moves its own thread into each v1 hierarchy (its `tasks`
   * file), which needs no RCU grace period as a move of a whole process
   * does (executor/src/cgroup-join.c); the cgroup2 mount of a hybrid host
   * it is cloned into.
   */
  entry(directories: string[]): CgroupEntry {
    const unified = this.hierarchies.find((hierarchy) => hierarchy.version === 2)?.mountPoint;
    const inUnified = (directory: string) => unified !== undefined && (directory === unified || directory.startsWith(`${unified}/`));
    return {
      cloneInto: directories.find(inUnified),
      selfJoin: directories.filter((directory) => !inUnified(directory)).map((directory) => join(directory, 'tasks')),
    };
  }

  deviceProgramDirectory(): undefined {
    return undefined;
  }

  setLimits(directories: string[], resources: LinuxResources): string[] {
    const unsupported: string[] = [];
    const write = (field: string, file: string, value: string | number) => {
      const directory = this.directoryFor(directories, file);
      if (!directory) return void unsupported.push(field);
      writeLimit(join(directory, file), String(value));
    };
    if (resources.pids) write('pids', 'pids.max', resources.pids.limit > 0 ? resources.pids.limit : 'max');
    this.setMemory(directories, resources.memory, unsupported);
    const cpu = resources.cpu;
    if (cpu?.period !== undefined) write('cpu', 'cpu.cfs_period_us', cpu.period);
    if (cpu?.quota !== undefined) write('cpu', 'cpu.cfs_quota_us', cpu.quota > 0 ? cpu.quota : -1);
    if (cpu?.shares) write('cpu', 'cpu.shares', cpu.shares);
    // Memory nodes first: a cpuset needs both, and the kernel checks each against the parent's.
    if (cpu?.mems) write('cpuset', 'cpuset.mems', cpu.mems);
    if (cpu?.cpus) write('cpuset', 'cpuset.cpus', cpu.cpus);
    const weight = resources.blockIO?.weight;
    if (weight) {
      // blkio.weight is CFQ's, gone from new kernels; bfq's takes the same range.
      const directory = this.directoryFor(directories, 'blkio.weight');
      const file = ['blkio.weight', 'blkio.bfq.weight'].find((name) => directory && existsSync(join(directory, name)));
      if (file) write('blockIO.weight', file, weight);
      else unsupported.push('blockIO.weight');
    }
    if (resources.devices) {
      for (const { file, line } of v1DeviceWrites(resources.devices)) write('devices', file, line);
    }
    this.setThrottles(directories, resources, write);
    return [...new Set(unsupported)];
  }

  /**
   * memory.limit_in_bytes may never exceed memory.memsw.limit_in_bytes, so
   * of the two the one that makes room goes first: a memory+swap total
   * that grows (or becomes unlimited) before the memory limit, one that
   * shrinks after it.
   */
  private setMemory(directories: string[], memory: LinuxResources['memory'], unsupported: string[]): void {
    if (!memory) return;
    const directory = this.directoryFor(directories, 'memory.limit_in_bytes');
    if (!directory) {
      if (memory.limit !== undefined || memory.swap) unsupported.push('memory');
      return;
    }
    const limit = join(directory, 'memory.limit_in_bytes');
    const memsw = join(directory, 'memory.memsw.limit_in_bytes');
    const writeMemory = () => memory.limit !== undefined && writeLimit(limit, String(memory.limit > 0 ? memory.limit : -1));
    if (!memory.swap) return void writeMemory();
    if (!existsSync(memsw)) {
      unsupported.push('memory.swap');
      return void writeMemory();
    }
    const current = readNumber(memsw) ?? Infinity;
    const swap = memory.swap > 0 ? memory.swap : -1;
    if (swap === -1 || swap > current) {
      writeLimit(memsw, String(swap));
      writeMemory();
    } else {
      writeMemory();
      writeLimit(memsw, String(swap));
    }
  }

  /** blockIO throttles and hugepage limits; hugetlb from the cgroup2 mount of a hybrid host that has it only there. */
  private setThrottles(directories: string[], resources: LinuxResources, write: (field: string, file: string, value: string) => void): void {
    const writes = v1ThrottleWrites(resources);
    const unified = this.hierarchies.find((hierarchy) => hierarchy.version === 2);
    const v1Hugetlb = this.hierarchies.some((hierarchy) => hierarchy.controllers.includes('hugetlb'));
    const unifiedDirectory = unified && directories.find((directory) => directory.startsWith(`${unified.mountPoint}/`));
    if (!v1Hugetlb && unified && unifiedDirectory && resources.hugepageLimits?.length) {
      enableUnifiedHugetlb(unified.mountPoint, unifiedDirectory);
      for (const { file, value } of v2ThrottleWrites({ hugepageLimits: resources.hugepageLimits })) {
        if (readControlFile(join(unifiedDirectory, file)) === undefined) write('hugepageLimits', file, value);
        else writeLimit(join(unifiedDirectory, file), value);
      }
      for (const { field, file, value } of writes) if (field !== 'hugepageLimits') write(field, file, value);
      return;
    }
    for (const { field, file, value } of writes) write(field, file, value);
  }

  stats(directories: string[]): CgroupStats {
    const at = (file: string) => {
      const directory = this.directoryFor(directories, file);
      return directory ? join(directory, file) : '';
    };
    const usageNs = readNumber(at('cpuacct.usage'));
    const io = blkioBytes(readControlFile(at('blkio.throttle.io_service_bytes_recursive')) ?? '');
    const oom = readKeyed(at('memory.oom_control'));
    const memoryLimit = readNumber(at('memory.limit_in_bytes'));
    return {
      cpuUsageUsec: usageNs === undefined ? undefined : Math.round(usageNs / 1000),
      cpuUsageNs: usageNs,
      memoryCurrentBytes: readNumber(at('memory.usage_in_bytes')),
      memoryPeakBytes: readNumber(at('memory.max_usage_in_bytes')),
      memoryLimitBytes: isUnlimited(memoryLimit) ? undefined : memoryLimit,
      // oom_kill counts since Linux 4.13; under_oom only says an OOM is in progress.
      oomKills: oom.get('oom_kill') ?? (oom.has('under_oom') ? oom.get('under_oom') : undefined),
      pids: readNumber(at('pids.current')) ?? this.pids(directories).length,
      pidsLimit: readNumber(at('pids.max')),
      pidsLimitHits: readKeyed(at('pids.events')).get('max'),
      ioReadBytes: io?.read,
      ioWriteBytes: io?.write,
    };
  }

  endCounters(directories: string[]): Pick<CgroupStats, 'pidsLimitHits' | 'oomKills' | 'memoryLimitBytes'> {
    const pids = this.directoryFor(directories, 'pids.events');
    const memory = this.directoryFor(directories, 'memory.oom_control');
    const oom = memory ? readKeyed(join(memory, 'memory.oom_control')) : new Map<string, number>();
    const memoryLimit = memory ? readNumber(join(memory, 'memory.limit_in_bytes')) : undefined;
    return {
      pidsLimitHits: pids ? readKeyed(join(pids, 'pids.events')).get('max') : undefined,
      oomKills: oom.get('oom_kill'),
      memoryLimitBytes: isUnlimited(memoryLimit) ? undefined : memoryLimit,
    };
  }

  pids(directories: string[]): number[] {
    const first = directories.find((directory) => readControlFile(join(directory, 'cgroup.procs')) !== undefined);
    return first ? pidsBelow(first) : [];
  }

  /** Frozen first, so that no process forks a new one between the listing and the kill. */
  killAll(directories: string[]): void {
    const frozen = this.freezeIfPossible(directories);
    try {
      killEach(this.pids(directories));
    } finally {
      if (frozen) this.thaw(directories);
    }
  }

  freeze(directories: string[]): void {
    if (!this.freezeIfPossible(directories)) throw new ContainerError('cannot freeze the container: no freezer cgroup on this host', { code: 'host' });
  }

  thaw(directories: string[]): void {
    const directory = this.directoryFor(directories, 'freezer.state');
    if (directory) writeControlFile(join(directory, 'freezer.state'), 'THAWED');
  }

  frozen(directories: string[]): boolean {
    const directory = this.directoryFor(directories, 'freezer.state');
    const state = directory ? readControlFile(join(directory, 'freezer.state'))?.trim() : undefined;
    return state === 'FROZEN' || state === 'FREEZING';
  }

  remove(directories: string[]): void {
    for (const directory of directories) removeTree(directory);
  }

  /**
   * The directory of the hierarchy whose controller owns FILE (`pids.max`:
   * pids), found from the mount points without a system call; directories
   * recorded under another view of the hierarchies are probed instead.
   */
  private directoryFor(directories: string[], file: string): string | undefined {
    const controller = file.slice(0, file.indexOf('.'));
    const hierarchy = this.hierarchies.find((h) => h.controllers.includes(controller));
    if (!hierarchy) return undefined;
    const directory = directories.find((d) => d.startsWith(`${hierarchy.mountPoint}/`));
    return directory ?? directoryWith(directories, file);
  }

  private freezeIfPossible(directories: string[]): boolean {
    const directory = this.directoryFor(directories, 'freezer.state');
    if (!directory) return false;
    const state = join(directory, 'freezer.state');
    writeControlFile(state, 'FROZEN');
    // FREEZING until every task stopped; a task in an uninterruptible sleep can take a while.
    for (let attempt = 0; attempt < 1000; attempt++) {
      if (readControlFile(state)?.trim() === 'FROZEN') return true;
      sleepMs(1);
    }
    return true;
  }
}

/** A limit the kernel refuses (a value out of range, a device rule wider than the parent's) names the file. */
function writeLimit(path: string, value: string): void {
  try {
    writeControlFile(path, value);
  } catch (error) {
    throw limitError(path, value, error);
  }
}

/** Every level of PATH gets its parent's CPUs and memory nodes if it has none. */
function inheritCpuset(mountPoint: string, path: string): void {
  let level = mountPoint;
  for (const part of path.split('/').filter(Boolean)) {
    const parent = level;
    level = join(level, part);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (readFileSync(join(level, file), 'utf8').trim() === '') {
        writeControlFile(join(level, file), readFileSync(join(parent, file), 'utf8'));
      }
    }
  }
}

/** blkio lines "MAJ:MIN Read N" / "MAJ:MIN Write N" (and a "Total"). */
function blkioBytes(text: string): { read: number; write: number } | undefined {
  if (text === '') return undefined;
  const totals = { read: 0, write: 0 };
  for (const line of text.split('\n')) {
    const [, operation, value] = line.split(' ');
    if (operation === 'Read') totals.read += Number(value);
    if (operation === 'Write') totals.write += Number(value);
  }
  return totals;
}
