/** Command-line flags of `npm run bench -- [--iterations N] [--warmups N]`. */
import { parseArgs } from 'node:util';
import type { LoopOptions } from './spawn-timer.js';

const USAGE = `usage: npm run bench -- [--iterations N] [--warmups N]
  --iterations N  timed runs per measurement (default 30)
  --warmups N     untimed runs before each measurement (default 3)`;

function count(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`bench: --${flag} wants an integer >= ${min}, not '${value}'\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

export function parseOptions(argv: string[] = process.argv.slice(2)): LoopOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        iterations: { type: 'string', default: '30' },
        warmups: { type: 'string', default: '3' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    iterations: count('iterations', parsed.values.iterations, 1),
    warmups: count('warmups', parsed.values.warmups, 0),
  };
}
