/** What the report's header says about the machine, and finding installed tools. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';

/** Absolute path of an installed command (POSIX `command -v`), or undefined. */
export function commandPath(name: string): string | undefined {
  const result = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  const path = result.stdout.trim();
  // Builtins and keywords (e.g. bash's `time`) are not what we want.
  return result.status === 0 && path.startsWith('/') ? path : undefined;
}

/** First line of `argv` output, for version strings; undefined when it fails. */
export function firstLine(argv: readonly string[], cwd?: string): string | undefined {
  const [file, ...args] = argv;
  if (!file) return undefined;
  const result = spawnSync(file, args, { encoding: 'utf8', cwd, timeout: 10_000 });
  if (result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0]?.trim() || undefined;
}

interface Mount {
  point: string;
  type: string;
}

function mounts(): Mount[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [before = '', after = ''] = line.split(' - ');
      return { point: before.split(' ')[4] ?? '', type: after.split(' ')[0] ?? '' };
    });
}

/** "v2 (unified)", "hybrid (...)" or "v1 (legacy)". */
export function cgroupLayout(): string {
  const all = mounts();
  if (all.some((m) => m.point === '/sys/fs/cgroup' && m.type === 'cgroup2')) return 'v2 (unified)';
  const v1 = all.filter((m) => m.type === 'cgroup').length;
  const unified = all.find((m) => m.type === 'cgroup2');
  if (unified) {
    let controllers = '';
    try {
      controllers = readFileSync(`${unified.point}/cgroup.controllers`, 'utf8').trim();
    } catch {
      // Not readable: just leave the controllers out.
    }
    return `hybrid (${v1} v1 hierarchies + cgroup2 at ${unified.point}${controllers ? ` holding ${controllers}` : ''})`;
  }
  return `v1 (legacy, ${v1} hierarchies)`;
}

export function machineDescription(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `${availableParallelism()} CPUs (${model}), Linux ${release()}, load average ${load} at start`;
}

/** Mount points at or below dir: removing such a tree recursively would reach into them. */
export function mountsUnder(dir: string): string[] {
  return mounts()
    .map((m) => m.point)
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}
