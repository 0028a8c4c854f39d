/**
 * The command-line layer: each verb is a declarative `CommandDef` (its
 * options, positionals and help), parsed with Node's own `util.parseArgs`
 * and rendered into `--help` text from the same definition.
 *
 * Why not a CLI framework: the CLI's start-up time is part of every
 * container's start (runc takes ~20 ms for a whole run),
 * and loading and configuring commander cost ~7 ms of it under Bun.
 * parseArgs is built in.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';

export interface OptionDef {
  /** The key in the parsed flags (camelCase of `long`). */
  key: string;
  long: string;
  short?: string;
  /** Placeholder of the option's value in help; absent for a switch. */
  value?: string;
  multiple?: boolean;
  description: string;
}

export type Flags = Record<string, string | boolean | string[] | undefined>;

export interface CommandDef {
  name: string;
  summary: string;
  /** After "ts-nspawn NAME ". */
  usage: string;
  description: string;
  options: OptionDef[];
  /**
   * Pass-through commands (run, boot, exec): after `leading` positionals
   * (exec's NAME) the first positional starts the container's command,
   * which is taken as it is, options included.
   */
  passThrough?: { leading: number; required: boolean };
  /** Other commands: how many positionals they take. */
  positionals?: { min: number; max: number };
  examples?: string[];
  hidden?: boolean;
  /** Makes a container's cgroup or joins one: rootless, it first moves into a delegated scope where it can (rootless/scope.ts). */
  cgroup?: 'create' | 'join';
  run(flags: Flags, positionals: string[], command: string[]): Promise<number>;
}

export class UsageError extends ContainerError {
  override readonly name = 'UsageError';
}

const HELP: OptionDef = { key: 'help', long: 'help', short: 'h', description: 'show this help' };

export function option(long: string, description: string, extra: Partial<Omit<OptionDef, 'long' | 'description'>> = {}): OptionDef {
  return { key: long.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()), long, description, ...extra };
}

/** parseArgs options, named as users type them (`bind-ro`). */
function parseConfig(def: CommandDef): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const opt of [...def.options, HELP]) {
    options[opt.long] = {
      type: opt.value ? 'string' : 'boolean',
      ...(opt.short ? { short: opt.short } : {}),
      ...(opt.multiple ? { multiple: true } : {}),
    };
  }
  return options;
}

/** Parsed values keyed by option key (`bindRo`). */
function keyed(def: CommandDef, values: Record<string, unknown>): Flags {
  const flags: Flags = {};
  for (const opt of [...def.options, HELP]) {
    if (values[opt.long] !== undefined) flags[opt.key] = values[opt.long] as Flags[string];
  }
  return flags;
}

export interface Parsed {
  flags: Flags;
  positionals: string[];
  command: string[];
}

export function parseCommand(def: CommandDef, args: string[]): Parsed {
  let own = args;
  let command: string[] = [];
  if (def.passThrough) {
    const split = passThroughStart(def, args);
    own = args.slice(0, split);
    command = args[split] === '--' ? args.slice(split + 1) : args.slice(split);
  }
  let result;
  try {
    result = parseArgs({ args: own, options: parseConfig(def), strict: true, allowPositionals: true });
  } catch (error) {
    throw usageError(def, error as Error & { code?: string });
  }
  const flags = keyed(def, result.values);
  if (flags.help) return { flags, positionals: [], command: [] };
  const positionals = result.positionals;
  const expected = def.passThrough ? { min: def.passThrough.leading, max: def.passThrough.leading } : (def.positionals ?? { min: 0, max: 0 });
  if (positionals.length < expected.min) {
    throw usage(def, `missing argument ${positionalNames(def)[positionals.length] ?? ''}`);
  }
  if (positionals.length > expected.max) {
    throw usage(def, `unexpected argument ${quote(positionals[expected.max])}`);
  }
  if (def.passThrough?.required && command.length === 0) {
    throw usage(def, 'no command given: say what to run after the options');
  }
  return { flags, positionals, command };
}

/** The positionals' names in the usage line: words that are neither optional ([...]) nor an option or its value. */
function positionalNames(def: CommandDef): string[] {
  const words = def.usage.replace(/\[[^\]]*\]/g, ' ').split(/\s+/);
  return words.filter((word, index) => /^[A-Z]/.test(word) && !(words[index - 1] ?? '').startsWith('-'));
}

/**
 * Where the pass-through command begins: the first positional after the
 * leading ones, or `--`. Found by a tolerant parse, so that an option's
 * value is never taken for the command.
 */
function passThroughStart(def: CommandDef, args: string[]): number {
  const { tokens } = parseArgs({ args, options: parseConfig(def), strict: false, allowPositionals: true, tokens: true });
  let positionals = 0;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') return token.index;
    if (token.kind === 'positional' && positionals++ === def.passThrough!.leading) return token.index;
  }
  return args.length;
}

/** A usage error, naming the verb (none for the sh-nspawn form) and where its help is. */
function usage(def: CommandDef, what: string): UsageError {
  return def.name ? new UsageError(`${def.name}: ${what} (see ts-nspawn ${def.name} --help)`) : new UsageError(`${what} (see ts-nspawn --help)`);
}

function usageError(def: CommandDef, error: Error & { code?: string }): UsageError {
  const quoted = /'([^']+)'/s.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return usage(def, `unknown option ${quote(quoted)}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return usage(def, `option ${quoted.replace(' <value>', '')} needs a value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return usage(def, `unexpected argument ${quote(quoted)}`);
    default:
      return usage(def, error.message);
  }
}

export function requireFlag(flags: Flags, def: CommandDef, key: string): string {
  const value = flags[key];
  if (typeof value === 'string' && value !== '') return value;
  const opt = def.options.find((candidate) => candidate.key === key);
  const name = opt ? `${opt.short ? `-${opt.short}/` : ''}--${opt.long}` : key;
  throw usage(def, `${name}${opt?.value ? ` ${opt.value}` : ''} is required`);
}

export function commandHelp(def: CommandDef): string {
  const lines = [`Usage: ts-nspawn ${def.name} ${def.usage}`, '', wrap(def.description, 80), '', 'Options:'];
  lines.push(...optionLines([...def.options, HELP]));
  if (def.examples?.length) lines.push('', 'Examples:', ...def.examples.map((example) => `  ${example}`));
  return lines.join('\n') + '\n';
}

export function optionLines(options: OptionDef[]): string[] {
  const heads = options.map((opt) => `  ${opt.short ? `-${opt.short}, ` : '    '}--${opt.long}${opt.value ? ` ${opt.value}` : ''}`);
  const width = Math.min(32, Math.max(...heads.map((head) => head.length)) + 2);
  return options.map((opt, index) => {
    const head = heads[index] ?? '';
    const description = opt.description + (opt.multiple ? ' (repeatable)' : '');
    return head.length >= width ? `${head}\n${' '.repeat(width)}${description}` : `${head.padEnd(width)}${description}`;
  });
}

export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
