/** Command-line flags of `npm run bench -- [OPTIONS]`. */
import { parseArgs } from 'node:util';
import type { LoopOptions } from './spawn-timer.js';

/** The sections `--skip` names, in report order. */
export const SECTIONS = ['start', 'memory', 'sequential', 'boot', 'lifecycle', 'cycle', 'podman'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions extends LoopOptions {
  skip: Set<Section>;
  /** Timed boots per runtime (section 4). */
  boots: number;
  /** Untimed boots per runtime before them. */
  bootWarmups: number;
  /** Detached containers running while `list` is timed (section 5c). */
  containers: number;
}

const USAGE = `usage: npm run bench -- [--iterations N] [--warmups N] [--boots N] [--boot-warmups N]
                        [--containers N] [--skip SECTION[,SECTION...]]
  --iterations N     timed runs per short measurement (default 30)
  --warmups N        untimed runs before each short measurement (default 3)
  --boots N          timed OS boots per runtime in section 4 (default 3)
  --boot-warmups N   untimed OS boots per runtime before them (default 1)
  --containers N     detached containers running while section 5 times \`list\` (default 100)
  --skip SECTIONS    leave sections out (repeatable or comma-separated):
                       start       1. start-to-exit of /bin/true against the peers
                       memory      2. peak memory of ts-nspawn's processes
                       sequential  3. containers per second
                       boot        4. OS boot of a Debian tree (the slowest: about 15 s, plus
                                   about 20 s once to bootstrap the tree)
                       lifecycle   5. detached containers: monitor memory, exec, list
                       cycle       6. create -> start -> delete against crun and runc
                       podman      7. podman run --rm with ts-runc, crun and runc as its runtime`;

function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function count(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usageError(`--${flag} wants an integer >= ${min}, not '${value}'`);
  return n;
}

export function parseOptions(argv: string[] = process.argv.slice(2)): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        iterations: { type: 'string', default: '30' },
        warmups: { type: 'string', default: '3' },
        boots: { type: 'string', default: '3' },
        'boot-warmups': { type: 'string', default: '1' },
        containers: { type: 'string', default: '100' },
        skip: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const skip = new Set<Section>();
  for (const name of parsed.values.skip.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean)) {
    if (!(SECTIONS as readonly string[]).includes(name)) usageError(`--skip: no section '${name}' (sections: ${SECTIONS.join(', ')})`);
    skip.add(name as Section);
  }
  return {
    iterations: count('iterations', parsed.values.iterations, 1),
    warmups: count('warmups', parsed.values.warmups, 0),
    boots: count('boots', parsed.values.boots, 1),
    bootWarmups: count('boot-warmups', parsed.values['boot-warmups'], 0),
    containers: count('containers', parsed.values.containers, 1),
    skip,
  };
}
