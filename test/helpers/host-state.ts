/**
 * Leftover detection: what a container run may leave on the host if its
 * teardown is broken. Take a snapshot before, assert the same after.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface HostState {
  mounts: string[];
  /** The cgroup hierarchies' super-block options (a new cgroup2 mount can change them host-wide). */
  cgroupOptions: string[];
  links: string[];
  netns: string[];
  executors: string[];
  /** Container records in /run/ts-nspawn. */
  records: string[];
  /** ts-nspawn's cgroup directories. */
  cgroups: string[];
}

export function hostState(): HostState {
  return {
    mounts: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      // binfmt_misc comes and goes by itself where systemd automounts it on first access.
      .filter((line) => !/ - binfmt_misc /.test(line))
      .map((line) => line.split(' ')[4] ?? '')
      .filter(Boolean)
      .sort(),
    cgroupOptions: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' - ')[1] ?? '')
      .filter((fields) => /^cgroup2? /.test(fields))
      .sort(),
    links: execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
      .filter(Boolean)
      .sort(),
    netns: execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort(),
    executors: executorProcesses(),
    records: listDirectory('/run/ts-nspawn'),
    cgroups: cgroupDirectories(),
  };
}

function listDirectory(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

/** Every ts-nspawn cgroup directory (the parent of containers' cgroups) in any hierarchy. */
function cgroupDirectories(): string[] {
  const found: string[] = [];
  const walk = (directory: string, depth: number) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = `${directory}/${entry.name}`;
      if (entry.name === 'ts-nspawn') found.push(path);
      else if (depth < 4) walk(path, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found.sort();
}

function executorProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('ts-nspawn-executor')) found.push(`${pid} ${cmdline.replaceAll('\0', ' ')}`);
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** Waits briefly for asynchronous kernel clean-up (netns teardown), then compares. */
export async function assertHostUnchanged(before: HostState): Promise<void> {
  let after = hostState();
  for (let i = 0; i < 20 && JSON.stringify(after) !== JSON.stringify(before); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    after = hostState();
  }
  assert.deepEqual(after, before, 'the host must be left as it was: no mounts, links, netns or executor processes');
}
