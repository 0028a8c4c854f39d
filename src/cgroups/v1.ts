/**
 * cgroup v1, alone ("legacy") or with a cgroup2 mount beside it ("hybrid",
 * which holds few or no controllers and is only joined). Each controller
 * has its own hierarchy, so the container's cgroup is one directory per
 * hierarchy and every limit is written where its controller lives.
 */
import { closeSync, constants, openSync, readFileSync, write } from 'node:fs';
import { dirname, join } from 'node:path';
import { ContainerError } from '../errors.js';
import type { LinuxResources } from '../oci/types.js';
import { v1DeviceWrites } from './device-rules.js';
import {
  directoryWith,
  killEach,
  makeDirectory,
  pidsBelow,
  readControlFile,
  readKeyed,
  readNumber,
  removeIfEmpty,
  removeTree,
  sleepMs,
  writeControlFile,
} from './files.js';
import { parseHierarchies, type Hierarchy } from './hierarchies.js';
import type { CgroupManager, CgroupStats } from './manager.js';

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

  unifiedDirectory(): undefined {
    return undefined;
  }

  /**
   * A move into a v1 cgroup takes the kernel's threadgroup lock for writing,
   * which first waits for an RCU grace period (about 10 ms), unless another
   * writer took it within the last grace period or so. Moving this process
   * into the cgroup it is already in takes the lock and changes nothing: done
   * asynchronously (off the main thread) while the executor starts, the
   * container's own move then finds the lock fast. The kernel holds
   * cgroup_mutex while it waits, so call this after the container's cgroup
   * is made and its limits written, or they wait for the grace period too.
   */
  prepareJoin(): void {
    const own = this.hierarchies.find((hierarchy) => hierarchy.version === 1)?.ownDirectory;
    if (!own) return;
    // One asynchronous write, so that it starts at once on the thread pool
    // (a chain of promises would wait for the main thread to be idle).
    try {
      const fd = openSync(join(own, 'cgroup.procs'), constants.O_WRONLY | constants.O_APPEND);
      write(fd, `${process.pid}\n`, () => closeSync(fd));
    } catch {
      // only a speed-up: join() works without it
    }
  }

  join(directories: string[], pid: number): void {
    for (const directory of directories) {
      try {
        writeControlFile(join(directory, 'cgroup.procs'), `${pid}\n`);
      } catch (error) {
        throw new ContainerError(`cannot move the container into its cgroup ${directory}: ${(error as Error).message}`, { code: 'host' });
      }
    }
  }

  setLimits(directories: string[], resources: LinuxResources): string[] {
    const unsupported: string[] = [];
    const write = (field: string, file: string, value: string | number) => {
      const directory = this.directoryFor(directories, file);
      if (!directory) return void unsupported.push(field);
      writeLimit(join(directory, file), String(value));
    };
    if (resources.pids) write('pids', 'pids.max', resources.pids.limit > 0 ? resources.pids.limit : 'max');
    if (resources.memory?.limit !== undefined) write('memory', 'memory.limit_in_bytes', resources.memory.limit > 0 ? resources.memory.limit : -1);
    const cpu = resources.cpu;
    if (cpu?.period !== undefined) write('cpu', 'cpu.cfs_period_us', cpu.period);
    if (cpu?.quota !== undefined) write('cpu', 'cpu.cfs_quota_us', cpu.quota > 0 ? cpu.quota : -1);
    if (cpu?.shares !== undefined) write('cpu', 'cpu.shares', cpu.shares);
    if (resources.devices) {
      for (const { file, line } of v1DeviceWrites(resources.devices)) write('devices', file, line);
    }
    return [...new Set(unsupported)];
  }

  stats(directories: string[]): CgroupStats {
    const at = (file: string) => {
      const directory = this.directoryFor(directories, file);
      return directory ? join(directory, file) : '';
    };
    const usageNs = readNumber(at('cpuacct.usage'));
    const io = blkioBytes(readControlFile(at('blkio.throttle.io_service_bytes_recursive')) ?? '');
    return {
      cpuUsageUsec: usageNs === undefined ? undefined : Math.round(usageNs / 1000),
      memoryCurrentBytes: readNumber(at('memory.usage_in_bytes')),
      memoryPeakBytes: readNumber(at('memory.max_usage_in_bytes')),
      pids: readNumber(at('pids.current')) ?? this.pids(directories).length,
      pidsLimitHits: readKeyed(at('pids.events')).get('max'),
      ioReadBytes: io?.read,
      ioWriteBytes: io?.write,
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

  remove(directories: string[], emptyParent = false): void {
    for (const directory of directories) {
      removeTree(directory);
      if (emptyParent) removeIfEmpty(dirname(directory));
    }
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
    throw new ContainerError(`cannot set the cgroup limit ${path} to '${value}': ${(error as Error).message}`, { code: 'host' });
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
